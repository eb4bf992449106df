"""Torch-free helpers shared by the server and its clients (worker, CLI): JSON scrubbing, run statuses, retries."""
