"""The edge: every file a user gives is read and validated here (case files, the workspace, remittances)."""
