"""Accounts and who is calling: users, passwords, API tokens, sessions, seat cards, sign-in throttling."""
