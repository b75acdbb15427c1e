// libpq, PostgreSQL's own client library (Debian: libpq-dev).
#include <postgresql/libpq-fe.h>
