"""The admin's view of study that did not count (学习异常)."""
