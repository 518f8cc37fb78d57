"""Shops shoppers follow and products they wish for (public schema)."""
