"""Notifications of tampering alerts (``courtside notify``): console, email, webhook."""
