"""The exercise bank: every graded exercise of the course, apart from the tools that use it.

Modules, one job each:

- `spec`: what an exercise is (`Exercise`, `Wrong`), and how an answer becomes plain numbers.
- `judge`: run an answer on cases (`run_case`, in the learner's kernel) and judge the plain results
  (`judge`, anywhere); the one vocabulary of outcomes, `Status`.
- `cases`: builders of test cases shared by the lesson modules.
- `lesson01` ... `lesson10`: each lesson's exercises, with their cases, reference answer, an oracle
  (the same result computed from `torch.nn` or the course's tested cells), known-wrong answers and
  their hints, and the points. A lesson whose trained model is scored on shipped data keeps that
  data out of the grading sandbox with `GRADER_ONLY` (see `grade.redact`).
- `registry`: every exercise by id and each notebook's exercises; checks the points at import.

Layering: `lstm_course.checks` (the learner's instant feedback), `lstm_course.exercises` (the build
of learner notebooks) and `lstm_course.grade` (the autograder) import the bank; the bank imports
none of them. Points are stated here only: `make exercises` writes them into the solutions' nbgrader
metadata and headings and into the README's table, and the build refuses a notebook that disagrees.

Add an exercise in 4 steps (two files edited by hand, the rest regenerated):

1. In the lesson's module (`lessonNN.py`; for a new lesson, a new module added to
   `registry.LESSONS`), write the reference answer, `cases(rng)` returning plain-data cases,
   `call(answer, case)`, an `oracle(case)` computing the expected result from `torch.nn` or the
   course's cells (never from the reference), known mistakes as `Wrong(call, hint)`, and an
   `Exercise(id=..., notebook=NOTEBOOK, name=..., points=...)` added to `EXERCISES`. Rebalance the
   notebook's points to 100. A trained model is judged, not compared: give `grade=` a
   `trained.TrainedModel` (the grader rebuilds the model from its spec and scores it on data it
   generates itself).
2. In `solutions/NN_name.ipynb` (JupyterLab): a prompt, an answer cell with nbgrader metadata
   `grade_id: answer_<id>, solution: true` around `### BEGIN SOLUTION` / `### END SOLUTION`, and a
   check cell `check("<id>", <name>)` with `grade_id: check_<id>, grade: true, locked: true` (its
   points are filled in by the next step).
3. `make exercises` (writes the points, the README table and `exercises/`), then
   `make notebooks NOTEBOOKS=solutions/NN_name.ipynb`.
4. Run the tests: `tests/test_exercise_bank.py` proves the reference against its oracle and every
   known mistake against its hint; `tests/test_checks.py` runs the solution and the unfilled exercise.
"""
