"""数据统计: the activity figures of the big screen for admins and branch secretaries (a secretary sees
their own branch only), filtered by branch and period, drawn as inline SVG, and exported to Excel."""
