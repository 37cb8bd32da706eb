"""Submissions for the grader's tests, generated from the solutions rather than stored as JSON."""
