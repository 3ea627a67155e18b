"""The audit trail: every change recorded in the same transaction, sealed in a hash chain."""
