"""Accounts and who is calling: users, passwords, API tokens, sessions, seat cards, sign-in throttling.

Their faces (sign-in pages, the token endpoint, the office's account pages) are in shared/signin."""
