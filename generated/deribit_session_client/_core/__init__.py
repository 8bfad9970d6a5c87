"""The handwritten runtime of ``deribit_session_client``: clients, errors, retries, validation.

This folder is real Python, linted, type-checked and unit-tested as itself. ``make generate``
copies it into the generated package as ``deribit_session_client._core``; the generated
operation modules and models import it. Edit the files under ``runtime/_core/`` and run
``make generate``: the copies under ``generated/`` are overwritten.
"""
# Copied from runtime/_core/__init__.py by make generate. Do not edit here: edit runtime/_core/__init__.py.
