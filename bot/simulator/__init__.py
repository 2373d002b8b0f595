"""The web simulator: a WeChat-like chat page for demo users, on the same pipeline as /wechat."""
