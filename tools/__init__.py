"""Scripts that build, run and derive the course: `python -m tools.<name>`."""
