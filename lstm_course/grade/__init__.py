"""The autograder (`python -m lstm_course.grade`); see __main__ for the threat model."""
