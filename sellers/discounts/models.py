"""Discounts of one shop (TENANT_APPS)."""
