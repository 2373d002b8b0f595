"""Scheduled pushes: APScheduler jobs ask core what is due, a delivery loop sends the outbox through channels."""
