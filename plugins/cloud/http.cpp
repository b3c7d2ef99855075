#include "http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace fluxburst::cloud {
namespace {

void global_init() {
    static std::once_flag once;
    static CURLcode result = CURLE_OK;
    std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (result != CURLE_OK)
        throw HttpError(std::string("cannot initialise libcurl: ") + curl_easy_strerror(result));
}

struct Received {
    HttpResponse* response;
    std::size_t limit;
    std::size_t total = 0;
    bool too_large = false;

    bool account(std::size_t n) {
        total += n;
        if (total > limit) too_large = true;
        return !too_large;
    }
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* received = static_cast<Received*>(user);
    const std::size_t n = size * count;
    if (!received->account(n)) return 0;  // aborts the transfer
    received->response->body.append(data, n);
    return n;
}

std::string trim(std::string_view text) {
    std::size_t begin = 0, end = text.size();
    while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
    while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r' ||
                           text[end - 1] == '\n'))
        --end;
    return std::string(text.substr(begin, end - begin));
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* received = static_cast<Received*>(user);
    const std::size_t n = size * count;
    if (!received->account(n)) return 0;
    std::string_view line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {
        // A new response (after 100 Continue, say): its headers replace the old ones.
        received->response->headers.clear();
        return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name = trim(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    received->response->headers[name] = trim(line.substr(colon + 1));
    return n;
}

bool is_token(std::string_view text) {
    if (text.empty()) return false;
    return std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_' || c == '.';
    });
}

bool has_line_break(std::string_view text) {
    return text.find_first_of("\r\n", 0) != std::string_view::npos ||
           text.find('\0') != std::string_view::npos;
}

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

std::string url_for_message(std::string_view url) {
    std::string out;
    std::string_view rest = url;
    const auto scheme_end = url.find("://");
    if (scheme_end != std::string_view::npos) {
        out.append(url.substr(0, scheme_end + 3));
        rest = url.substr(scheme_end + 3);
        const auto authority_end = rest.find_first_of("/?#");
        std::string_view authority = rest.substr(0, authority_end);
        const auto at = authority.rfind('@');
        if (at != std::string_view::npos) {
            out.append("...@");
            authority = authority.substr(at + 1);
        }
        out.append(authority);
        rest = authority_end == std::string_view::npos ? std::string_view()
                                                       : rest.substr(authority_end);
    }
    const auto query = rest.find_first_of("?#");
    out.append(rest.substr(0, query));
    if (query != std::string_view::npos) out.append("?...");
    return out;
}

std::string url_escape(std::string_view text) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0x0f]);
        }
    }
    return out;
}

HttpResponse http_send(const HttpRequest& request) {
    const std::string what = request.method + " " + url_for_message(request.url);
    auto fail = [&](const std::string& why) { return HttpError(what + ": " + why); };

    if (!is_token(request.method)) throw fail("invalid HTTP method");
    if (request.url.rfind("https://", 0) != 0 && request.url.rfind("http://", 0) != 0)
        throw fail("the URL must start with https:// or http://");
    if (has_line_break(request.url)) throw fail("the URL holds a line break or NUL");
    if (request.client_cert_pem.empty() != request.client_key_pem.empty())
        throw fail("a client certificate needs its key, and a key its certificate");
    if (request.timeout.count() <= 0) throw fail("the timeout must be positive");
    for (const auto& [name, value] : request.headers) {
        if (!is_token(name)) throw fail("invalid header name '" + name + "'");
        if (has_line_break(value))
            throw fail("the value of header " + name + " holds a line break or NUL");
    }

    global_init();
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw fail("cannot create a libcurl handle");
    CURL* c = curl.get();

    HttpResponse response;
    Received received{&response, request.max_response_bytes};
    char error[CURL_ERROR_SIZE] = {0};

    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add_header = [&](const std::string& line) {
        curl_slist* next = curl_slist_append(headers.get(), line.c_str());
        if (!next) throw fail("out of memory");
        (void)headers.release();
        headers.reset(next);
    };
    for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
    add_header("Expect:");  // no 100-continue round trip for bodies

    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, long(CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is returned, not followed
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.max_response_bytes));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &received);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);

    curl_blob ca{const_cast<char*>(request.ca_pem.data()), request.ca_pem.size(), CURL_BLOB_COPY};
    if (!request.ca_pem.empty()) {
        curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
        // Only this CA: not the system bundle or directory as well.
        curl_easy_setopt(c, CURLOPT_CAINFO, nullptr);
        curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
    }
    curl_blob cert{const_cast<char*>(request.client_cert_pem.data()),
                   request.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(request.client_key_pem.data()), request.client_key_pem.size(),
                  CURL_BLOB_COPY};
    if (!request.client_cert_pem.empty()) {
        curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
        curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
        curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (!request.aws_sigv4.empty()) {
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
        curl_easy_setopt(c, CURLOPT_USERNAME, request.aws_access_key.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, request.aws_secret_key.c_str());
    }

    if (request.method == "GET" && request.body.empty()) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
            request.method == "PATCH") {
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
        }
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

    const CURLcode result = curl_easy_perform(c);
    if (received.too_large || result == CURLE_FILESIZE_EXCEEDED)
        throw fail("the response is larger than the limit of " +
                   std::to_string(request.max_response_bytes) + " bytes");
    if (result != CURLE_OK) {
        std::string why = error[0] ? std::string(error) : curl_easy_strerror(result);
        while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
        if (result == CURLE_OPERATION_TIMEDOUT)
            why = "no complete response within " + std::to_string(request.timeout.count()) +
                  " ms (" + why + ")";
        else if (result == CURLE_PEER_FAILED_VERIFICATION || result == CURLE_SSL_CACERT_BADFILE ||
                 result == CURLE_SSL_CERTPROBLEM)
            why = "TLS: " + why +
                  (request.ca_pem.empty() ? " (the server's certificate is checked against the "
                                            "system's CA store)"
                                          : " (the server's certificate is checked against the "
                                            "given CA only)");
        throw fail(why);
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

}  // namespace fluxburst::cloud
