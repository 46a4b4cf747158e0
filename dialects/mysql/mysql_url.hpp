// mysql:// and mariadb:// URLs taken apart for mysql-connector-c++, which has no URL parser of
// its own: user, password (percent-decoded), host and port or a unix socket, and the database.
#pragma once

#include <string>

#include "dialects/dialect.hpp"

namespace migrate {

struct MysqlTarget {
    std::string user;
    std::string password;
    std::string host = "localhost";
    int port = 3306;
    std::string socket;  // set by ?socket=PATH
    std::string database;
};

// Throws Error(usage) naming what is wrong, with the URL redacted.
MysqlTarget parse_mysql_url(const DatabaseUrl& url);

}  // namespace migrate
