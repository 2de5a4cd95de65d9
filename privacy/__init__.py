"""Personal data: a youth's export (right of access), their erasure, the retention purge and the access log."""
