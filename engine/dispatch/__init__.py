"""Dispatchers: how ready steps reach a worker. Chosen at start from settings."""
