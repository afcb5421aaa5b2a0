"""Quality and speed measurements (`make bench`), each side by side with a reference in the same run."""
