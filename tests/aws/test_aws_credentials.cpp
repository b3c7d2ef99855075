// AWS credentials: environment, shared credentials file and profile, the file's
// safety checks, region.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "aws_credentials.hpp"
#include "test_support.hpp"

namespace cloud = fluxburst::cloud;

namespace {

// A clean AWS environment for one test.
struct AwsEnv {
    test::EnvVar key{"AWS_ACCESS_KEY_ID", nullptr};
    test::EnvVar secret{"AWS_SECRET_ACCESS_KEY", nullptr};
    test::EnvVar token{"AWS_SESSION_TOKEN", nullptr};
    test::EnvVar file{"AWS_SHARED_CREDENTIALS_FILE", nullptr};
    test::EnvVar profile{"AWS_PROFILE", nullptr};
    test::EnvVar region{"AWS_REGION", nullptr};
    test::EnvVar default_region{"AWS_DEFAULT_REGION", nullptr};
};

const char* file_text =
    "# comment\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = secretdefault\n"
    "\n"
    "[burst]\n"
    "aws_access_key_id=AKIDBURST\n"
    "aws_secret_access_key=secret/burst+=\n"
    "aws_session_token = tok==\n"
    "region = us-west-2\n"
    "[partial]\n"
    "aws_access_key_id = AKIDPARTIAL\n";

std::string write_credentials(const test::TempDir& dir, const std::string& text, mode_t mode) {
    std::string path = dir.file("credentials");
    test::write_text(path, text);
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    return path;
}

}  // namespace

TEST_CASE("AWS credentials from the environment", "[aws][credentials]") {
    AwsEnv clean;
    test::EnvVar key("AWS_ACCESS_KEY_ID", "AKIDENV");
    test::EnvVar secret("AWS_SECRET_ACCESS_KEY", "secretenv");
    test::EnvVar token("AWS_SESSION_TOKEN", "tokenenv");
    auto c = cloud::load_aws_credentials();
    CHECK(c.access_key_id == "AKIDENV");
    CHECK(c.secret_access_key == "secretenv");
    CHECK(c.session_token == "tokenenv");
    CHECK(c.source == "environment");
    SECTION("a key without its secret is an error saying to set both") {
        test::EnvVar no_secret("AWS_SECRET_ACCESS_KEY", nullptr);
        CHECK_THROWS_WITH(cloud::load_aws_credentials(),
                          Catch::Contains("AWS_SECRET_ACCESS_KEY is not"));
    }
    SECTION("the environment wins over AWS_PROFILE, an explicit profile over the environment") {
        test::TempDir dir;
        test::EnvVar file("AWS_SHARED_CREDENTIALS_FILE",
                          write_credentials(dir, file_text, 0600).c_str());
        test::EnvVar profile("AWS_PROFILE", "burst");
        CHECK(cloud::load_aws_credentials().access_key_id == "AKIDENV");
        CHECK(cloud::load_aws_credentials("burst").access_key_id == "AKIDBURST");
    }
}

TEST_CASE("AWS credentials from the shared credentials file", "[aws][credentials]") {
    AwsEnv clean;
    test::TempDir dir;
    const std::string path = write_credentials(dir, file_text, 0600);
    test::EnvVar file("AWS_SHARED_CREDENTIALS_FILE", path.c_str());

    auto d = cloud::load_aws_credentials();
    CHECK(d.access_key_id == "AKIDDEFAULT");
    CHECK(d.secret_access_key == "secretdefault");
    CHECK(d.session_token.empty());
    CHECK(d.source == path + " [default]");

    test::EnvVar profile("AWS_PROFILE", "burst");
    auto b = cloud::load_aws_credentials();
    CHECK(b.access_key_id == "AKIDBURST");
    CHECK(b.secret_access_key == "secret/burst+=");
    CHECK(b.session_token == "tok==");

    CHECK_THROWS_WITH(cloud::load_aws_credentials("missing"),
                      Catch::Contains("no profile [missing]") && Catch::Contains(path));
    CHECK_THROWS_WITH(
        cloud::load_aws_credentials("partial"),
        Catch::Contains("[partial]") && Catch::Contains("aws_secret_access_key are both needed"));
}

TEST_CASE("AWS credentials file: refused when others may read or write it", "[aws][credentials]") {
    AwsEnv clean;
    test::TempDir dir;
    for (mode_t mode : {0640, 0604, 0660, 0602, 0644}) {
        INFO("mode " << std::oct << mode);
        const std::string path = write_credentials(dir, file_text, mode);
        CHECK_THROWS_WITH(cloud::read_aws_credentials_file(path, "default"),
                          Catch::Contains("chmod 600 " + path) && Catch::Contains("refused"));
    }
    const std::string path = write_credentials(dir, file_text, 0400);
    CHECK(cloud::read_aws_credentials_file(path, "default").access_key_id == "AKIDDEFAULT");
    CHECK_THROWS_WITH(cloud::read_aws_credentials_file(dir.path(), "default"),
                      Catch::Contains("directory"));
}

TEST_CASE("AWS credentials: malformed file and nothing found are clear errors",
          "[aws][credentials]") {
    AwsEnv clean;
    test::TempDir dir;
    for (const char* text : {"[default\naws_access_key_id = x\n", "[default]\njust words\n"}) {
        INFO(text);
        const std::string path = write_credentials(dir, text, 0600);
        CHECK_THROWS_WITH(cloud::read_aws_credentials_file(path, "default"),
                          Catch::Contains(path + ", line"));
    }
    test::EnvVar file("AWS_SHARED_CREDENTIALS_FILE", dir.file("absent").c_str());
    CHECK_THROWS_WITH(cloud::load_aws_credentials(), Catch::Contains("no AWS credentials") &&
                                                         Catch::Contains("AWS_ACCESS_KEY_ID") &&
                                                         Catch::Contains(dir.file("absent")));
}

TEST_CASE("AWS region: parameter, then AWS_REGION, then AWS_DEFAULT_REGION", "[aws][region]") {
    AwsEnv clean;
    CHECK_THROWS_WITH(cloud::aws_region(""), Catch::Contains("no AWS region"));
    test::EnvVar d("AWS_DEFAULT_REGION", "eu-west-1");
    CHECK(cloud::aws_region("") == "eu-west-1");
    test::EnvVar r("AWS_REGION", "us-west-2");
    CHECK(cloud::aws_region("") == "us-west-2");
    CHECK(cloud::aws_region("ap-south-1") == "ap-south-1");
    for (const char* bad : {"US-EAST-1", "us east", "us-east-1/x", "us-east-1.evil.com"})
        CHECK_THROWS_WITH(cloud::aws_region(bad), Catch::Contains("not an AWS region name"));
}
