"""The gateway's routes; each handler runs inside the one request lifecycle (`lifecycle`)."""
