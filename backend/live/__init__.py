"""Live events: the broker interface and its two implementations, stored run events, and the SSE streams."""
