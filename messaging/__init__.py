"""The one notification path: an outbox table written in the same transaction as the
change that causes a message, and a worker that delivers it."""
