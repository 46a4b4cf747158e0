// Password redaction. Every message, log line and event that may contain a connection URL or a
// libpq-style "password=..." goes through redact_secrets before it is printed or stored.
#pragma once

#include <string>
#include <string_view>

namespace migrate {

// Replaces the password of every "scheme://user:password@host" URL in `text`, and the value of
// every password=/pwd= key (URL query or keyword list), with "***".
std::string redact_secrets(std::string_view text);

}  // namespace migrate
