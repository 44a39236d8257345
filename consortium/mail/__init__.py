"""Mail: messages written to an outbox in the transaction of the change that causes them, delivered by a job."""
