"""The autograder, `python -m lstm_course.grade`: scores exercise submissions robustly and fairly.

Modules, one job each: `submission` (read an untrusted file, decide which exercise it is), `sandbox`
(run it in a limited kernel, collect plain answers), `kernel` (the limits), `collect` (the step that
runs in the kernel), `reaper` (leave no process behind), `score` (validate and judge in the grader),
`report` (CSV, JSON, feedback notebooks), `batch` (parallel jobs). The exercises themselves live in
`lstm_course.exercise_bank`, which the grader uses and which never imports the grader.

Threat model. A submission is hostile code. The grader assumes it may: edit or delete check cells,
redefine `check`, patch `lstm_course`, numpy or torch in its kernel, register input transformers, hide
tracebacks, return objects whose methods lie (`__eq__` always True, tensor subclasses), call
`os._exit`, loop forever while ignoring SIGINT, start children (in new sessions too), allocate
without bound, print without bound, or not be a notebook at all. Against that:

- Learner code runs only in a kernel started by a worker process in a new session, under an
  address-space cap, a file-size cap, one BLAS thread, no display, a per-cell timeout and a wall
  timeout. A cell that hangs, kills the kernel or runs out of memory is skipped and the notebook
  re-run without it, so it costs only the points of the answers that depend on it.
  Afterwards the kernel's process group is killed and, on Linux, every orphaned descendant too
  (worker and grader are child subreapers), so nothing is left running.
- Check cells never decide anything. After the notebook has run, the grader's own collection step
  calls each answer on inputs the grader drew from its own seed (`--seed`, random by default, the
  same for every submission of a batch and recorded in the JSON) and writes plain JSON numbers. The
  grader reads that file with a size limit and a schema check (no pickle, no objects) and compares
  the numbers, in its own process, with the reference it computes on the same inputs. Patching
  anything in the kernel can only change the numbers written, and only correct numbers score; a
  trained model is scored by evaluating its weights in a fresh model of the grader's, on data the
  grader generates.
- Every failure (not a notebook, a dead worker, unreadable answers) costs that submission points
  and is reported; it never stops the batch.

Out of scope: a submission that computes correct answers by copying the reference (the package is
on the learner's machine; that is plagiarism, as with any grader), and the file system: learner code
can read and write what the grading user can, so run batches as an unprivileged user or in a
container, with the course installed read-only, if submissions may attack each other.
"""
