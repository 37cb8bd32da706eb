"""The autograder, `python -m lstm_course.grade`: scores exercise submissions robustly and fairly.

Modules, one job each: `submission` (read an untrusted file, decide which exercise it is), `intake`
(normalise it as Jupyter does), `sandbox` (the worker: run it in a limited kernel, collect plain
answers), `kernel` (the limits), `isolation` (the bubblewrap sandbox around the kernel), `redact`
(the bank without its answers, for inside the sandbox), `collect` (the step that runs in the
kernel), `reaper` (leave no process behind), `score` (validate and judge in the grader), `report`
(CSV, JSON, feedback notebooks), `batch` (parallel jobs), `shard` and `merge` (a class over
machines). The exercises themselves live in `lstm_course.exercise_bank`, which the grader uses and
which never imports the grader.

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

- The kernel runs in a sandbox (`isolation`: bubblewrap, new user, mount, PID and network
  namespaces): the file system is read-only except its own scratch folder; other submissions, the
  grader's outputs, the instructor's files, the solutions notebooks and the repository are not in
  it; /tmp is its own; there is no network. The exercise bank's reference answers and oracles are
  replaced inside it by functions that raise (`redact`), so handing one in scores nothing. Where no
  sandbox can be had the grader refuses unless given `--no-sandbox`. The grader reads what the
  kernel wrote without following links, so a link to another submission's answers is refused.

Out of scope: a submission that computes correct answers with the course's own building blocks
(`lstm_course.cells`, `torch.nn`), which learners are meant to use, or copied from another learner
before submitting (plagiarism, as with any grader); a kernel exploit that escapes the namespaces.
Without the sandbox (`--no-sandbox`) learner code can read and write whatever the grading user can.
"""
