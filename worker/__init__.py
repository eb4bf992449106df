"""Trainboard worker: the loop that claims runs from the backend and the trainer library it runs."""
