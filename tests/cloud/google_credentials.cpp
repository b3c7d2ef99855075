#include "google_credentials.hpp"

#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace test {

void write_file_mode(const std::string& path, const std::string& text, unsigned mode) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + path);
    }
    ::chmod(path.c_str(), mode);
}

std::string write_service_account(const std::string& dir, const std::string& private_key_pem,
                                  const std::string& token_uri, const std::string& client_email,
                                  const std::string& key_id) {
    nlohmann::json j = {{"type", "service_account"},
                        {"project_id", "proj"},
                        {"private_key_id", key_id},
                        {"private_key", private_key_pem},
                        {"client_email", client_email},
                        {"client_id", "1234567890"},
                        {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
                        {"token_uri", token_uri}};
    std::string path = dir + "/service-account.json";
    write_file_mode(path, j.dump(2), 0600);
    return path;
}

std::string write_authorized_user(const std::string& dir, const std::string& token_uri,
                                  const std::string& refresh_token) {
    nlohmann::json j = {{"type", "authorized_user"},
                        {"client_id", "client.apps.googleusercontent.com"},
                        {"client_secret", "secret"},
                        {"refresh_token", refresh_token},
                        {"token_uri", token_uri}};
    std::string path = dir + "/application_default_credentials.json";
    write_file_mode(path, j.dump(2), 0600);
    return path;
}

}  // namespace test
