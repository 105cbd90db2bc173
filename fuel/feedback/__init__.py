"""Feedback: what each test taught the campaign, and the heuristics that learn from it."""
