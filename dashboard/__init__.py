"""The dashboard and the bilan: what an organisation's events reached and what followed, over a period."""
