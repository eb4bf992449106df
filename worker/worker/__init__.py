"""The worker process: register with a server, claim runs with a lease, train them, report, finish."""
