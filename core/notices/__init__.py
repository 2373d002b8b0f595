"""Notices to send: what is due, to whom, when it may go out, and who said 退订 (no WeChat here)."""
