"""Label Studio integration: labelling config, tasks, exports and the server."""
