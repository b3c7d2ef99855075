// The moto_server the CTest fixture started (tests/aws/moto_fixture.sh).
#pragma once

#include <string>

namespace test {

/// "http://127.0.0.1:PORT", or "" when it is not running.
std::string moto_url();

}  // namespace test
