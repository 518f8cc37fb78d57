"""Uploaded media: image checks, storage on Cloudinary or local files, thumbnail URLs.

`images` is what services and forms call; `storage` is the Django storage backend for
Cloudinary; `configuration` turns environment values into the STORAGES setting.
"""
