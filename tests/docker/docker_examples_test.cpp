// Checks the examples in docker/ the way a user would before copying them: every YAML file parses,
// the Kubernetes, Argo, compose and GitHub Actions documents carry what their tools need, the
// Dockerfile builds on Debian 12 and ships what the binary links, heartbeat.sh registers and
// deregisters, and every migrate command in them names a subcommand and options that the built
// binary's --help lists, so the examples cannot drift from the CLI.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include "test_support.hpp"

namespace migrate::docker_test {
namespace {

namespace fs = std::filesystem;
using migrate::testing::ProcessResult;
using migrate::testing::read_file;
using migrate::testing::run_migrate;
using migrate::testing::TempDir;
using Words = std::vector<std::string>;

const fs::path source_dir{MIGRATE_SOURCE_DIR};
const fs::path docker_dir = source_dir / "docker";

std::string shown(const fs::path& path) {
    return fs::relative(path, source_dir).string();
}

std::string join(const Words& words, const std::string& separator = " ") {
    std::string out;
    for (const std::string& word : words) {
        out += (out.empty() ? "" : separator) + word;
    }
    return out;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// YAML

std::vector<fs::path> yaml_paths() {
    std::vector<fs::path> paths;
    for (const auto& entry : fs::recursive_directory_iterator(docker_dir)) {
        const std::string extension = entry.path().extension().string();
        if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml")) {
            paths.push_back(entry.path());
        }
    }
    std::sort(paths.begin(), paths.end());
    return paths;
}

// Every document of a file; an empty one (a trailing ---) is not a document anyone wrote.
std::vector<YAML::Node> load_documents(const fs::path& path) {
    std::vector<YAML::Node> found;
    for (const YAML::Node& document : YAML::LoadAllFromFile(path.string())) {
        if (!document.IsNull()) {
            found.push_back(document);
        }
    }
    return found;
}

std::vector<YAML::Node> documents(const std::string& relative_to_docker) {
    return load_documents(docker_dir / relative_to_docker);
}

// The one document of a file that holds one.
YAML::Node document(const std::string& relative_to_docker) {
    std::vector<YAML::Node> found = documents(relative_to_docker);
    if (found.size() != 1) {
        throw std::runtime_error("docker/" + relative_to_docker + " holds " + std::to_string(found.size()) +
                                 " documents, not 1");
    }
    return found.front();
}

// node[key][key]..., or an undefined node where a key is missing: yaml-cpp itself throws for a
// key below a missing one (and for asking a missing one its type), which would end a test with
// "invalid node" instead of saying what is missing.
YAML::Node at_path(const YAML::Node& node, const std::string* key, const std::string* end) {
    if (!node.IsDefined()) {
        return YAML::Node(YAML::NodeType::Undefined);
    }
    if (key == end) {
        return node;
    }
    if (!node.IsMap()) {
        return YAML::Node(YAML::NodeType::Undefined);
    }
    return at_path(node[*key], key + 1, end);
}

YAML::Node at(const YAML::Node& node, std::initializer_list<std::string> path) {
    return at_path(node, path.begin(), path.end());
}

// A scalar's text, or "" for anything else (missing, a map, a list).
std::string text(const YAML::Node& node) {
    return node.IsDefined() && node.IsScalar() ? node.Scalar() : "";
}

// A list of scalars, or one scalar, as words.
Words words(const YAML::Node& node) {
    Words out;
    if (node.IsDefined() && node.IsSequence()) {
        for (const YAML::Node& item : node) {
            out.push_back(text(item));
        }
    } else if (!text(node).empty()) {
        out.push_back(text(node));
    }
    return out;
}

std::string annotation(const YAML::Node& document, const std::string& key) {
    return text(at(document, {"metadata", "annotations", key}));
}

// The manifests a cluster applies: everything under k8s/ and argo-rollouts/.
std::vector<std::pair<fs::path, YAML::Node>> kubernetes_documents() {
    std::vector<std::pair<fs::path, YAML::Node>> found;
    for (const fs::path& path : yaml_paths()) {
        const std::string folder = fs::relative(path, docker_dir).begin()->string();
        if (folder == "k8s" || folder == "argo-rollouts") {
            for (const YAML::Node& document : load_documents(path)) {
                found.emplace_back(path, document);
            }
        }
    }
    return found;
}

std::string describe(const fs::path& path, const YAML::Node& document) {
    return shown(path) + ": " + text(at(document, {"kind"})) + " " + text(at(document, {"metadata", "name"}));
}

// Every pod spec (a map with containers) anywhere in a document: Jobs, Deployments, Rollouts and
// the Jobs of AnalysisTemplates alike.
void find_pod_specs(const YAML::Node& node, std::vector<YAML::Node>& out) {
    if (node.IsMap()) {
        if (at(node, {"containers"}).IsSequence()) {
            out.push_back(node);
            return;
        }
        for (const auto& entry : node) {
            find_pod_specs(entry.second, out);
        }
    } else if (node.IsSequence()) {
        for (const YAML::Node& item : node) {
            find_pod_specs(item, out);
        }
    }
}

std::vector<YAML::Node> pod_specs(const YAML::Node& document) {
    std::vector<YAML::Node> found;
    find_pod_specs(document, found);
    return found;
}

// A pod's containers in the order they run: init containers first.
std::vector<YAML::Node> containers(const YAML::Node& pod_spec) {
    std::vector<YAML::Node> found;
    for (const char* key : {"initContainers", "containers"}) {
        if (at(pod_spec, {key}).IsSequence()) {
            for (const YAML::Node& container : at(pod_spec, {key})) {
                found.push_back(container);
            }
        }
    }
    return found;
}

// The Job specs of a document: a Job's own, and each job metric of an AnalysisTemplate.
std::vector<YAML::Node> job_specs(const YAML::Node& document) {
    std::vector<YAML::Node> found;
    if (text(at(document, {"kind"})) == "Job") {
        found.push_back(at(document, {"spec"}));
    }
    if (text(at(document, {"kind"})) == "AnalysisTemplate" && at(document, {"spec", "metrics"}).IsSequence()) {
        for (const YAML::Node& metric : at(document, {"spec", "metrics"})) {
            if (at(metric, {"provider", "job"}).IsDefined()) {
                found.push_back(at(metric, {"provider", "job", "spec"}));
            }
        }
    }
    return found;
}

// A container's environment variable, as its node (name and value or valueFrom); undefined when
// the container does not set it.
YAML::Node env_var(const YAML::Node& container, const std::string& name) {
    for (const YAML::Node& variable : at(container, {"env"})) {
        if (text(at(variable, {"name"})) == name) {
            return variable;
        }
    }
    return YAML::Node(YAML::NodeType::Undefined);
}

// ---------------------------------------------------------------------------------------------
// Shell text: enough of sh's grammar to find the simple commands in a script (quotes, escapes,
// line continuations, comments, separators and redirections), which is how commands are written
// in heartbeat.sh, workflow run: steps and sh -c containers.

struct ShellToken {
    enum Kind { word, separator, redirect } kind;
    std::string text;
};

bool all_digits(const std::string& word) {
    return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<ShellToken> shell_tokens(const std::string& script) {
    std::vector<ShellToken> tokens;
    std::string word;
    bool in_word = false;
    auto end_word = [&] {
        if (in_word) {
            tokens.push_back({ShellToken::word, word});
        }
        word.clear();
        in_word = false;
    };
    for (size_t i = 0; i < script.size(); ++i) {
        const char c = script[i];
        if (c == '\\' && i + 1 < script.size()) {
            if (script[i + 1] != '\n') {
                word += script[i + 1];
                in_word = true;
            }
            ++i;
        } else if (c == '\'') {
            const size_t close = std::min(script.find('\'', i + 1), script.size());
            word += script.substr(i + 1, close - i - 1);
            in_word = true;
            i = close;
        } else if (c == '"') {
            for (++i; i < script.size() && script[i] != '"'; ++i) {
                if (script[i] == '\\' && i + 1 < script.size() && std::strchr("\"\\$`\n", script[i + 1]) != nullptr) {
                    if (script[i + 1] != '\n') {
                        word += script[i + 1];
                    }
                    ++i;
                } else {
                    word += script[i];
                }
            }
            in_word = true;
        } else if (c == '#' && !in_word) {
            // A comment runs to the end of the line; the newline still ends the command.
            const size_t newline = script.find('\n', i);
            if (newline == std::string::npos) {
                break;
            }
            i = newline - 1;
        } else if (c == ' ' || c == '\t') {
            end_word();
        } else if (c == '>' || c == '<') {
            // A file descriptor number written against the operator (2>&1) belongs to it.
            if (all_digits(word)) {
                word.clear();
                in_word = false;
            }
            end_word();
            while (i + 1 < script.size() && std::strchr(">&|", script[i + 1]) != nullptr) {
                ++i;
            }
            tokens.push_back({ShellToken::redirect, ""});
        } else if (std::strchr("\n;&|()", c) != nullptr) {
            end_word();
            tokens.push_back({ShellToken::separator, std::string(1, c)});
        } else {
            word += c;
            in_word = true;
        }
    }
    end_word();
    return tokens;
}

// The words of each simple command, without its redirections, reserved words and assignments in
// front of it.
std::vector<Words> shell_commands(const std::string& script) {
    static const std::set<std::string> prefixes = {"if", "then", "else", "elif", "do", "while", "until", "!", "exec"};
    static const std::regex assignment("^[A-Za-z_][A-Za-z0-9_]*=.*");
    std::vector<Words> commands;
    Words current;
    auto finish = [&] {
        auto first = std::find_if(current.begin(), current.end(), [](const std::string& word) {
            return !prefixes.contains(word) && !std::regex_match(word, assignment);
        });
        if (first != current.end()) {
            commands.emplace_back(first, current.end());
        }
        current.clear();
    };
    bool redirect_target = false;
    for (const ShellToken& token : shell_tokens(script)) {
        if (token.kind == ShellToken::separator) {
            finish();
            redirect_target = false;
        } else if (token.kind == ShellToken::redirect) {
            redirect_target = true;
        } else if (redirect_target) {
            redirect_target = false;
        } else {
            current.push_back(token.text);
        }
    }
    finish();
    return commands;
}

bool is_migrate(const std::string& word) {
    return word == "migrate" || word.ends_with("/migrate");
}

// The arguments of every migrate command in a script (the words after "migrate").
std::vector<Words> migrate_commands_in_shell(const std::string& script) {
    std::vector<Words> found;
    for (const Words& command : shell_commands(script)) {
        if (is_migrate(command.front())) {
            found.emplace_back(command.begin() + 1, command.end());
        }
    }
    return found;
}

// ---------------------------------------------------------------------------------------------
// The CLI as the built binary's --help describes it

struct CommandHelp {
    std::map<std::string, bool> options;  // -u and --database-url alike -> whether it takes a value
    std::set<std::string> subcommands;
};

CommandHelp parse_help(const std::string& help) {
    // CLI11 lists options two spaces in, a value's type one space after the names, and the
    // description after a wider gap; sections start at column 0 and end with a colon.
    static const std::regex option_line(R"(^  ((?:-[A-Za-z0-9],)?--[A-Za-z0-9][A-Za-z0-9-]*)( \S)?)");
    static const std::regex subcommand_line(R"(^  ([a-z][a-z0-9-]*)(\s|$))");
    CommandHelp parsed;
    std::string section;
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (!line.empty() && line[0] != ' ' && line.back() == ':') {
            section = line;
        } else if (section == "Subcommands:" && std::regex_search(line, match, subcommand_line)) {
            parsed.subcommands.insert(match[1]);
        } else if (section != "Positionals:" && std::regex_search(line, match, option_line)) {
            std::string names = match[1];
            for (size_t comma; (comma = names.find(',')) != std::string::npos; names.erase(0, comma + 1)) {
                parsed.options[names.substr(0, comma)] = match[2].matched;
            }
            parsed.options[names] = match[2].matched;
        }
    }
    return parsed;
}

// `migrate <path> --help`, parsed, or nullopt when the binary does not know the command.
const std::optional<CommandHelp>& help(const Words& path) {
    static std::map<Words, std::optional<CommandHelp>> cache;
    auto found = cache.find(path);
    if (found == cache.end()) {
        Words args = path;
        args.push_back("--help");
        ProcessResult result = run_migrate(args);
        found = cache.emplace(path, result.exit_code == 0 ? std::optional(parse_help(result.out)) : std::nullopt).first;
    }
    return found->second;
}

// What is wrong with one migrate command (the words after "migrate"): a subcommand the binary
// does not have, a missing subcommand, or an option that neither the command's --help nor the
// common options list. Empty when the binary would accept it as far as --help tells.
Words check_migrate_command(const Words& args) {
    const std::optional<CommandHelp>& top = help({});
    if (!top) {
        return {"migrate --help fails"};
    }
    Words problems;
    Words path;
    const CommandHelp* command = &*top;
    Words options;
    auto takes_value = [&](const std::string& option) {
        for (const CommandHelp* source : {command, &*top}) {
            if (auto found = source->options.find(option); found != source->options.end()) {
                return found->second;
            }
        }
        return false;
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word.size() > 1 && word[0] == '-') {
            const std::string option = word.substr(0, word.find('='));
            options.push_back(option);
            if (takes_value(option) && word.find('=') == std::string::npos) {
                ++i;
            }
        } else if (!command->subcommands.empty()) {
            Words next = path;
            next.push_back(word);
            if (!command->subcommands.contains(word) || !help(next)) {
                return {"'migrate " + join(next) + "' is not a command of the binary"};
            }
            path = next;
            command = &*help(path);
        }
        // Any other word is a positional argument (a migration id, a path), which --help does not
        // enumerate.
    }
    if (path.empty()) {
        problems.push_back("names no subcommand");
    } else if (!command->subcommands.empty()) {
        problems.push_back("'migrate " + join(path) + "' needs one of its subcommands");
    }
    for (const std::string& option : options) {
        if (!command->options.contains(option) && !top->options.contains(option)) {
            problems.push_back("'migrate " + join(path) + " --help' does not list " + option);
        }
    }
    return problems;
}

// A migrate command found in an example, and where.
struct MigrateCommand {
    std::string where;
    Words args;
};

// The migrate command a container runs: its command and args, when the command is migrate, or
// the migrate commands of an sh -c script.
std::vector<Words> container_migrate_commands(const YAML::Node& container) {
    Words argv = words(at(container, {"command"}));
    for (const std::string& arg : words(at(container, {"args"}))) {
        argv.push_back(arg);
    }
    if (argv.empty()) {
        return {};
    }
    if (is_migrate(argv[0])) {
        return {Words(argv.begin() + 1, argv.end())};
    }
    const std::string shell = fs::path(argv[0]).filename().string();
    if ((shell == "sh" || shell == "bash") && argv.size() >= 3 && argv[1] == "-c") {
        return migrate_commands_in_shell(argv[2]);
    }
    return {};
}

std::vector<MigrateCommand> kubernetes_migrate_commands() {
    std::vector<MigrateCommand> found;
    for (const auto& [path, document] : kubernetes_documents()) {
        for (const YAML::Node& pod : pod_specs(document)) {
            for (const YAML::Node& container : containers(pod)) {
                for (const Words& args : container_migrate_commands(container)) {
                    found.push_back({describe(path, document) + ", container " + text(at(container, {"name"})), args});
                }
            }
        }
    }
    return found;
}

// Compose services built from docker/Dockerfile run migrate (its ENTRYPOINT, which a test below
// holds to) with their command as arguments.
std::vector<MigrateCommand> compose_migrate_commands() {
    std::vector<MigrateCommand> found;
    const YAML::Node compose = document("compose.yaml");
    for (const auto& service : at(compose, {"services"})) {
        if (text(at(service.second, {"build", "dockerfile"})) != "docker/Dockerfile" ||
            at(service.second, {"entrypoint"}).IsDefined()) {
            continue;
        }
        const YAML::Node command = at(service.second, {"command"});
        const std::string where = "docker/compose.yaml: service " + service.first.Scalar();
        if (command.IsSequence()) {
            found.push_back({where, words(command)});
        } else {
            for (const Words& args : migrate_commands_in_shell("migrate " + text(command))) {
                found.push_back({where, args});
            }
        }
    }
    return found;
}

std::vector<MigrateCommand> workflow_migrate_commands() {
    std::vector<MigrateCommand> found;
    for (const fs::path& path : yaml_paths()) {
        if (fs::relative(path, docker_dir).begin()->string() != "github-actions") {
            continue;
        }
        for (const YAML::Node& workflow : load_documents(path)) {
            for (const auto& job : at(workflow, {"jobs"})) {
                for (const YAML::Node& step : at(job.second, {"steps"})) {
                    for (const Words& args : migrate_commands_in_shell(text(at(step, {"run"})))) {
                        found.push_back(
                            {shown(path) + ": job " + job.first.Scalar() + ", step '" + text(at(step, {"name"})) + "'",
                             args});
                    }
                }
            }
        }
    }
    return found;
}

std::vector<MigrateCommand> heartbeat_migrate_commands() {
    std::vector<MigrateCommand> found;
    for (const Words& args : migrate_commands_in_shell(read_file(docker_dir / "heartbeat.sh"))) {
        found.push_back({"docker/heartbeat.sh", args});
    }
    return found;
}

// Whether a migrate command runs what `pattern` says: its words (the command path, a migration
// id) in this order, and each of its options (with the value that follows it in `pattern`)
// anywhere, as --option value or --option=value.
bool runs(const Words& args, const Words& pattern) {
    Words split;
    for (const std::string& arg : args) {
        const size_t equals = arg.find('=');
        if (arg.starts_with("--") && equals != std::string::npos) {
            split.push_back(arg.substr(0, equals));
            split.push_back(arg.substr(equals + 1));
        } else {
            split.push_back(arg);
        }
    }
    auto next_word = split.begin();
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i].starts_with("-")) {
            Words option{pattern[i]};
            if (i + 1 < pattern.size() && !pattern[i + 1].starts_with("-")) {
                option.push_back(pattern[++i]);
            }
            if (std::search(split.begin(), split.end(), option.begin(), option.end()) == split.end()) {
                return false;
            }
        } else {
            next_word = std::find(next_word, split.end(), pattern[i]);
            if (next_word == split.end()) {
                return false;
            }
            ++next_word;
        }
    }
    return true;
}

bool any_runs(const std::vector<Words>& commands, const Words& sequence) {
    return std::any_of(commands.begin(), commands.end(), [&](const Words& args) { return runs(args, sequence); });
}

// The migrate commands the containers of a node run, in pod order.
std::vector<Words> migrate_commands_of(const YAML::Node& node) {
    std::vector<Words> found;
    for (const YAML::Node& pod : pod_specs(node)) {
        for (const YAML::Node& container : containers(pod)) {
            for (const Words& args : container_migrate_commands(container)) {
                found.push_back(args);
            }
        }
    }
    return found;
}

// ---------------------------------------------------------------------------------------------
// The Dockerfile

struct DockerInstruction {
    std::string keyword;    // upper case
    std::string arguments;  // continuation lines joined
};

struct DockerStage {
    std::string base;
    std::string name;
    std::vector<DockerInstruction> instructions;

    std::vector<std::string> all(const std::string& keyword) const {
        std::vector<std::string> found;
        for (const DockerInstruction& instruction : instructions) {
            if (instruction.keyword == keyword) {
                found.push_back(instruction.arguments);
            }
        }
        return found;
    }
};

std::vector<DockerStage> dockerfile_stages() {
    std::vector<DockerInstruction> instructions;
    std::istringstream lines(read_file(docker_dir / "Dockerfile"));
    std::string pending;
    for (std::string line; std::getline(lines, line);) {
        const size_t start = line.find_first_not_of(" \t");
        // Docker drops comment lines, also between the lines of one instruction.
        if (start == std::string::npos || line[start] == '#') {
            continue;
        }
        if (line.ends_with("\\")) {
            pending += line.substr(0, line.size() - 1) + " ";
            continue;
        }
        pending += line;
        std::istringstream parts(pending);
        std::string keyword;
        parts >> keyword;
        std::transform(keyword.begin(), keyword.end(), keyword.begin(),
                       [](unsigned char c) { return std::toupper(c); });
        std::string arguments;
        std::getline(parts >> std::ws, arguments);
        instructions.push_back({keyword, arguments});
        pending.clear();
    }
    std::vector<DockerStage> stages;
    for (const DockerInstruction& instruction : instructions) {
        if (instruction.keyword == "FROM") {
            Words from;
            std::istringstream parts(instruction.arguments);
            for (std::string part; parts >> part;) {
                if (!part.starts_with("--")) {
                    from.push_back(part);
                }
            }
            DockerStage stage;
            stage.base = from.empty() ? "" : from[0];
            if (from.size() == 3) {
                stage.name = from[2];
            }
            stages.push_back(stage);
        } else if (!stages.empty()) {
            stages.back().instructions.push_back(instruction);
        }
    }
    return stages;
}

// The packages each apt-get/apt install of a stage's RUN instructions names.
std::set<std::string> apt_installs(const DockerStage& stage) {
    std::set<std::string> packages;
    for (const std::string& run : stage.all("RUN")) {
        for (const Words& command : shell_commands(run)) {
            auto install = std::find(command.begin(), command.end(), "install");
            if ((command[0] == "apt-get" || command[0] == "apt") && install != command.end()) {
                for (auto word = install + 1; word != command.end(); ++word) {
                    if (!word->starts_with("-")) {
                        packages.insert(*word);
                    }
                }
            }
        }
    }
    return packages;
}

// Every package that scripts/install-deps.sh can install: the words of its *_packages,
// *_libraries and *_servers arrays.
std::set<std::string> install_deps_packages() {
    const std::string script = read_file(source_dir / "scripts" / "install-deps.sh");
    static const std::regex array(R"((\w+)=\(([^)]*)\))");
    std::set<std::string> packages;
    for (auto match = std::sregex_iterator(script.begin(), script.end(), array); match != std::sregex_iterator();
         ++match) {
        const std::string name = (*match)[1];
        if (name.ends_with("_packages") || name.ends_with("_libraries") || name.ends_with("_servers")) {
            std::istringstream items((*match)[2].str());
            for (std::string item; items >> item;) {
                packages.insert(item);
            }
        }
    }
    return packages;
}

std::string command_output(const std::string& command) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return output;
    }
    char buffer[4096];
    for (size_t read; (read = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
        output.append(buffer, read);
    }
    pclose(pipe);
    return output;
}

// ---------------------------------------------------------------------------------------------
// Running heartbeat.sh

// heartbeat.sh started with /bin/sh, with exactly `env` as its environment (nothing of the test's
// own), its stdout and stderr in `log`. Killed on destruction if it is still running.
class Heartbeat {
  public:
    Heartbeat(const std::map<std::string, std::string>& env, const fs::path& log) {
        Words entries;
        for (const auto& [name, value] : env) {
            entries.push_back(name + "=" + value);
        }
        std::vector<char*> envp;
        for (std::string& entry : entries) {
            envp.push_back(entry.data());
        }
        envp.push_back(nullptr);
        const std::string script = (docker_dir / "heartbeat.sh").string();
        m_pid = fork();
        if (m_pid == 0) {
            const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 1);
            dup2(fd, 2);
            // As in a container: the stop signals reach the script with their default action.
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            execle("/bin/sh", "sh", script.c_str(), static_cast<char*>(nullptr), envp.data());
            _exit(127);
        }
    }
    ~Heartbeat() {
        if (!m_exit_code) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
    }
    Heartbeat(const Heartbeat&) = delete;
    Heartbeat& operator=(const Heartbeat&) = delete;

    void send(int signal_number) { kill(m_pid, signal_number); }

    // Its exit code (-signal when a signal ended it) once it ends within `timeout`.
    std::optional<int> exit_code(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!m_exit_code) {
            int status = 0;
            if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            } else if (std::chrono::steady_clock::now() >= deadline) {
                break;
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        return m_exit_code;
    }

  private:
    pid_t m_pid = -1;
    std::optional<int> m_exit_code;
};

std::map<std::string, std::string> heartbeat_env(const fs::path& bin, const std::string& database_url) {
    return {{"PATH", bin.string() + ":/usr/bin:/bin"},
            {"MIGRATE_DATABASE_URL", database_url},
            {"MIGRATE_APP", "web"},
            {"MIGRATE_INSTANCE", "pod-1"},
            {"MIGRATE_APP_VERSION", "2.0.0"},
            {"MIGRATE_HEARTBEAT_INTERVAL", "1s"},
            {"MIGRATE_HEARTBEAT_TTL", "5s"}};
}

// A folder whose `migrate` is the built binary, for the script's PATH.
fs::path bin_with_migrate(const TempDir& temp) {
    const fs::path bin = temp / "bin";
    fs::create_directories(bin);
    fs::create_symlink(MIGRATE_BINARY, bin / "migrate");
    return bin;
}

// The instances of app web as `migrate fleet list` shows them, or nullopt when it fails (the
// database is busy with a heartbeat right now).
std::optional<nlohmann::json> fleet(const std::string& database_url) {
    ProcessResult result = run_migrate({"fleet", "list", "--app", "web", "--format", "json"}, {},
                                       {{"MIGRATE_DATABASE_URL", database_url}});
    if (result.exit_code != 0) {
        return std::nullopt;
    }
    return nlohmann::json::parse(result.out).value("instances", nlohmann::json::array());
}

// The fleet entry of web/pod-1, or nullopt when it is not registered or the list failed.
std::optional<nlohmann::json> pod_1(const std::string& database_url) {
    std::optional<nlohmann::json> instances = fleet(database_url);
    for (const nlohmann::json& instance : instances.value_or(nlohmann::json::array())) {
        if (instance.value("instance", "") == "pod-1") {
            return instance;
        }
    }
    return std::nullopt;
}

template <typename Condition>
bool eventually(Condition condition, std::chrono::seconds timeout = std::chrono::seconds(15)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
}

// =============================================================================================
// Every YAML file

TEST(DockerYaml, EveryYamlFileUnderDockerParsesIntoDocuments) {
    const std::vector<fs::path> paths = yaml_paths();
    ASSERT_FALSE(paths.empty()) << "no *.yaml under " << docker_dir;
    for (const fs::path& path : paths) {
        SCOPED_TRACE(shown(path));
        std::vector<YAML::Node> found;
        ASSERT_NO_THROW(found = load_documents(path));
        EXPECT_FALSE(found.empty()) << "no document";
        for (const YAML::Node& document : found) {
            EXPECT_TRUE(document.IsMap()) << "a document that is not a mapping";
        }
    }
}

// =============================================================================================
// Kubernetes and Argo manifests

TEST(KubernetesExamples, EveryDocumentHasApiVersionKindAndName) {
    const auto manifests = kubernetes_documents();
    ASSERT_FALSE(manifests.empty());
    for (const auto& [path, document] : manifests) {
        SCOPED_TRACE(describe(path, document));
        EXPECT_FALSE(text(at(document, {"apiVersion"})).empty());
        EXPECT_FALSE(text(at(document, {"kind"})).empty());
        EXPECT_FALSE(text(at(document, {"metadata", "name"})).empty());
    }
}

TEST(KubernetesExamples, EveryContainerHasANameAndAnImage) {
    size_t seen = 0;
    for (const auto& [path, document] : kubernetes_documents()) {
        for (const YAML::Node& pod : pod_specs(document)) {
            for (const YAML::Node& container : containers(pod)) {
                SCOPED_TRACE(describe(path, document) + ", container " + text(at(container, {"name"})));
                EXPECT_FALSE(text(at(container, {"name"})).empty());
                EXPECT_FALSE(text(at(container, {"image"})).empty());
                ++seen;
            }
        }
    }
    EXPECT_GT(seen, 0u);
}

TEST(KubernetesExamples, EveryJobRestartsNeverOrOnFailureWithARetryLimitAndADeadline) {
    size_t seen = 0;
    for (const auto& [path, document] : kubernetes_documents()) {
        for (const YAML::Node& spec : job_specs(document)) {
            SCOPED_TRACE(describe(path, document));
            const std::string restart = text(at(spec, {"template", "spec", "restartPolicy"}));
            EXPECT_TRUE(restart == "Never" || restart == "OnFailure") << "restartPolicy '" << restart << "'";
            // Without them a failing migration is retried six times, and a hung one holds the
            // sync or the rollout forever.
            EXPECT_FALSE(text(at(spec, {"backoffLimit"})).empty()) << "no backoffLimit";
            EXPECT_FALSE(text(at(spec, {"activeDeadlineSeconds"})).empty()) << "no activeDeadlineSeconds";
            ++seen;
        }
    }
    EXPECT_GE(seen, 3u) << "the expand, backfill and contract Jobs at least";
}

struct HookJob {
    std::string file;
    std::string argocd_hook;
    Words helm_hooks;
    Words runs;  // what its last container runs
};

const std::vector<HookJob> hook_jobs = {
    {"k8s/expand-job.yaml", "PreSync", {"pre-install", "pre-upgrade"}, {"apply", "--phase", "expand"}},
    {"k8s/backfill-job.yaml", "PostSync", {"post-install", "post-upgrade"}, {"apply", "--phase", "backfill"}},
    {"k8s/contract-job.yaml", "PostSync", {"post-install", "post-upgrade"}, {"apply", "--phase", "contract"}},
};

TEST(KubernetesExamples, PhaseJobsAreArgoCdAndHelmHooksRunningTheirPhase) {
    for (const HookJob& hook : hook_jobs) {
        SCOPED_TRACE("docker/" + hook.file);
        const YAML::Node job = document(hook.file);
        EXPECT_EQ(text(at(job, {"kind"})), "Job");
        EXPECT_EQ(annotation(job, "argocd.argoproj.io/hook"), hook.argocd_hook);
        EXPECT_FALSE(annotation(job, "argocd.argoproj.io/hook-delete-policy").empty());
        const std::string helm_hook = annotation(job, "helm.sh/hook");
        for (const std::string& expected : hook.helm_hooks) {
            EXPECT_TRUE(contains("," + helm_hook + ",", "," + expected + ",")) << "helm.sh/hook: " << helm_hook;
        }
        EXPECT_FALSE(annotation(job, "helm.sh/hook-weight").empty());
        EXPECT_FALSE(annotation(job, "helm.sh/hook-delete-policy").empty());
        EXPECT_TRUE(any_runs(migrate_commands_of(job), hook.runs)) << "no container runs migrate " << join(hook.runs);
    }
}

TEST(KubernetesExamples, BackfillHookRunsBeforeContractInArgoCdWavesAndHelmWeights) {
    const YAML::Node backfill = document("k8s/backfill-job.yaml");
    const YAML::Node contract = document("k8s/contract-job.yaml");
    for (const char* key : {"argocd.argoproj.io/sync-wave", "helm.sh/hook-weight"}) {
        SCOPED_TRACE(key);
        ASSERT_FALSE(annotation(backfill, key).empty());
        ASSERT_FALSE(annotation(contract, key).empty());
        EXPECT_LT(std::stoi(annotation(backfill, key)), std::stoi(annotation(contract, key)));
    }
}

TEST(KubernetesExamples, ContractJobRunsTheContractOnlyAfterItsInitContainerWaitedForTheGate) {
    const YAML::Node job = document("k8s/contract-job.yaml");
    const YAML::Node pod = at(job, {"spec", "template", "spec"});
    ASSERT_TRUE(at(pod, {"initContainers"}).IsSequence()) << "no initContainers";
    std::vector<Words> init;
    for (const YAML::Node& container : at(pod, {"initContainers"})) {
        for (const Words& args : container_migrate_commands(container)) {
            init.push_back(args);
        }
    }
    EXPECT_TRUE(any_runs(init, {"gate", "contract", "--wait"}))
        << "no init container runs migrate gate contract --wait";
    EXPECT_TRUE(any_runs(init, {"--timeout"})) << "the gate waits without a timeout";
    std::vector<Words> main;
    for (const YAML::Node& container : at(pod, {"containers"})) {
        for (const Words& args : container_migrate_commands(container)) {
            main.push_back(args);
        }
    }
    EXPECT_TRUE(any_runs(main, {"apply", "--phase", "contract"}));
    EXPECT_FALSE(any_runs(main, {"--force"})) << "the example must not override the gate";
}

// The app's pod, in the Deployment and in the Rollout: a heartbeat sidecar that reports the app
// container's version under the pod's name, and time to deregister when the pod stops.
void expect_heartbeat_sidecar(const YAML::Node& workload, const std::string& where) {
    SCOPED_TRACE(where);
    const YAML::Node pod = at(workload, {"spec", "template", "spec"});
    ASSERT_TRUE(at(pod, {"containers"}).IsSequence());
    std::optional<YAML::Node> sidecar;
    Words app_images;
    for (const YAML::Node& container : at(pod, {"containers"})) {
        if (contains(join(words(at(container, {"command"}))), "heartbeat.sh")) {
            sidecar.emplace(container);
        } else {
            app_images.push_back(text(at(container, {"image"})));
        }
    }
    ASSERT_TRUE(sidecar) << "no container runs heartbeat.sh";
    ASSERT_FALSE(app_images.empty()) << "no app container beside the sidecar";

    // The script must be where the image puts it.
    const std::string script = words(at(*sidecar, {"command"})).front();
    const std::vector<std::string> copies = dockerfile_stages().back().all("COPY");
    EXPECT_TRUE(std::any_of(copies.begin(), copies.end(),
                            [&](const std::string& copy) { return copy.ends_with(" " + script); }))
        << script << " is not where docker/Dockerfile copies heartbeat.sh";

    for (const char* name : {"MIGRATE_APP", "MIGRATE_APP_VERSION", "MIGRATE_INSTANCE", "MIGRATE_DATABASE_URL"}) {
        EXPECT_TRUE(env_var(*sidecar, name).IsDefined()) << name << " not set";
    }
    EXPECT_FALSE(text(at(env_var(*sidecar, "MIGRATE_APP"), {"value"})).empty());
    EXPECT_EQ(text(at(env_var(*sidecar, "MIGRATE_INSTANCE"), {"valueFrom", "fieldRef", "fieldPath"})), "metadata.name");
    EXPECT_FALSE(text(at(env_var(*sidecar, "MIGRATE_DATABASE_URL"), {"valueFrom", "secretKeyRef", "key"})).empty());
    // A version that differs from the running app's would open the gate too early, or never.
    const std::string version = text(at(env_var(*sidecar, "MIGRATE_APP_VERSION"), {"value"}));
    EXPECT_TRUE(std::any_of(app_images.begin(), app_images.end(),
                            [&](const std::string& image) { return image.ends_with(":" + version); }))
        << "MIGRATE_APP_VERSION " << version << " is no app container's image tag: " << join(app_images, ", ");

    // The grace period covers the sidecar's preStop pause and then its deregistration.
    const Words pre_stop = words(at(*sidecar, {"lifecycle", "preStop", "exec", "command"}));
    const int pause = pre_stop.size() == 2 && pre_stop[0] == "sleep" ? std::stoi(pre_stop[1]) : 0;
    ASSERT_FALSE(text(at(pod, {"terminationGracePeriodSeconds"})).empty()) << "no terminationGracePeriodSeconds";
    EXPECT_GE(std::stoi(text(at(pod, {"terminationGracePeriodSeconds"}))), pause + 10);
}

TEST(KubernetesExamples, DeploymentRunsTheHeartbeatSidecarWithTheAppVersionAndPodName) {
    const YAML::Node deployment = document("k8s/deployment.yaml");
    EXPECT_EQ(text(at(deployment, {"kind"})), "Deployment");
    EXPECT_TRUE(annotation(deployment, "helm.sh/hook").empty()) << "the app itself is no hook";
    expect_heartbeat_sidecar(deployment, "docker/k8s/deployment.yaml");
}

// =============================================================================================
// Argo Rollouts

std::vector<YAML::Node> analysis_templates() {
    std::vector<YAML::Node> found;
    for (const auto& [path, document] : kubernetes_documents()) {
        if (text(at(document, {"kind"})) == "AnalysisTemplate") {
            found.push_back(document);
        }
    }
    return found;
}

YAML::Node rollout() {
    for (const YAML::Node& candidate : documents("argo-rollouts/rollout.yaml")) {
        if (text(at(candidate, {"kind"})) == "Rollout") {
            return candidate;
        }
    }
    throw std::runtime_error("docker/argo-rollouts/rollout.yaml holds no Rollout");
}

// The migrate commands an analysis step runs: those of the job metrics of the templates it names.
std::vector<Words> analysis_step_commands(const YAML::Node& step) {
    std::vector<Words> found;
    for (const YAML::Node& reference : at(step, {"analysis", "templates"})) {
        for (const YAML::Node& analysis_template : analysis_templates()) {
            if (text(at(analysis_template, {"metadata", "name"})) == text(at(reference, {"templateName"}))) {
                for (const Words& args : migrate_commands_of(analysis_template)) {
                    found.push_back(args);
                }
            }
        }
    }
    return found;
}

TEST(ArgoRolloutsExample, EveryAnalysisStepNamesAnExistingJobTemplateAndPassesItsRequiredArgs) {
    const YAML::Node steps = at(rollout(), {"spec", "strategy", "canary", "steps"});
    ASSERT_TRUE(steps.IsSequence()) << "no spec.strategy.canary.steps";
    size_t analyses = 0;
    for (const YAML::Node& step : steps) {
        if (!at(step, {"analysis"}).IsDefined()) {
            continue;
        }
        ASSERT_TRUE(at(step, {"analysis", "templates"}).IsSequence());
        std::set<std::string> passed;
        for (const YAML::Node& arg : at(step, {"analysis", "args"})) {
            passed.insert(text(at(arg, {"name"})));
        }
        for (const YAML::Node& reference : at(step, {"analysis", "templates"})) {
            const std::string name = text(at(reference, {"templateName"}));
            SCOPED_TRACE("templateName " + name);
            auto templates = analysis_templates();
            auto found = std::find_if(templates.begin(), templates.end(), [&](const YAML::Node& candidate) {
                return text(at(candidate, {"metadata", "name"})) == name;
            });
            ASSERT_NE(found, templates.end()) << "no AnalysisTemplate of that name";
            EXPECT_EQ(text(at(*found, {"apiVersion"})), "argoproj.io/v1alpha1");
            for (const YAML::Node& metric : at(*found, {"spec", "metrics"})) {
                EXPECT_TRUE(at(metric, {"provider", "job", "spec", "template", "spec", "containers"}).IsSequence())
                    << "metric " << text(at(metric, {"name"})) << " is not a job metric";
            }
            for (const YAML::Node& arg : at(*found, {"spec", "args"})) {
                if (!at(arg, {"value"}).IsDefined() && !at(arg, {"valueFrom"}).IsDefined()) {
                    EXPECT_TRUE(passed.contains(text(at(arg, {"name"})))) << "required arg " << text(at(arg, {"name"}));
                }
            }
        }
        ++analyses;
    }
    EXPECT_GE(analyses, 2u);
}

TEST(ArgoRolloutsExample, CanaryExpandsBeforeTheFirstCanaryPodAndContractsAfterFullPromotion) {
    const YAML::Node rollout_document = rollout();
    EXPECT_EQ(text(at(rollout_document, {"apiVersion"})), "argoproj.io/v1alpha1");
    const YAML::Node steps = at(rollout_document, {"spec", "strategy", "canary", "steps"});
    ASSERT_TRUE(steps.IsSequence());
    std::optional<size_t> expand, backfill, gate, contract, first_canary, full;
    for (size_t i = 0; i < steps.size(); ++i) {
        const YAML::Node step = steps[i];
        if (at(step, {"setWeight"}).IsDefined()) {
            const int weight = at(step, {"setWeight"}).as<int>();
            if (weight > 0 && !first_canary) {
                first_canary = i;
            }
            if (weight == 100) {
                full = i;
            }
        }
        const std::vector<Words> commands = analysis_step_commands(step);
        if (any_runs(commands, {"apply", "--phase", "expand"})) {
            expand = i;
        }
        if (any_runs(commands, {"apply", "--phase", "backfill"})) {
            backfill = i;
        }
        if (any_runs(commands, {"gate", "contract", "--wait"})) {
            gate = i;
        }
        if (any_runs(commands, {"apply", "--phase", "contract"})) {
            contract = i;
        }
    }
    ASSERT_TRUE(expand && first_canary && full && gate && contract && backfill)
        << "needs analysis steps for expand, backfill, the gate and contract, a canary weight and setWeight 100";
    EXPECT_LT(*expand, *first_canary) << "expand must run before any pod of the new version";
    EXPECT_GT(*backfill, *expand);
    EXPECT_LT(*backfill, *contract);
    EXPECT_GT(*gate, *full) << "the gate waits for the old pods, which go at 100%";
    EXPECT_LE(*gate, *contract);
    for (size_t i = *full + 1; i < steps.size(); ++i) {
        EXPECT_FALSE(at(steps[i], {"setWeight"}).IsDefined()) << "step " << i << " changes the weight after 100%";
    }
    expect_heartbeat_sidecar(rollout_document, "docker/argo-rollouts/rollout.yaml");
}

// =============================================================================================
// docker compose

TEST(ComposeExample, HasPostgresAndMariadbWithHealthchecksAndMigrateWaitsForAHealthyPostgres) {
    const YAML::Node compose = document("compose.yaml");
    const YAML::Node services = at(compose, {"services"});
    for (const char* name : {"postgres", "mariadb", "migrate"}) {
        EXPECT_TRUE(at(services, {name}).IsMap()) << "no service " << name;
    }
    EXPECT_TRUE(text(at(services, {"postgres", "image"})).starts_with("postgres:15"))
        << text(at(services, {"postgres", "image"}));
    EXPECT_TRUE(text(at(services, {"mariadb", "image"})).starts_with("mariadb:10.11"))
        << text(at(services, {"mariadb", "image"}));
    EXPECT_TRUE(contains(join(words(at(services, {"mariadb", "command"}))), "--character-set-server=utf8mb4"));
    for (const char* database : {"postgres", "mariadb"}) {
        SCOPED_TRACE(database);
        EXPECT_FALSE(words(at(services, {database, "healthcheck", "test"})).empty()) << "no healthcheck";
        // Named volumes keep the data across `docker compose down`.
        const Words volumes = words(at(services, {database, "volumes"}));
        EXPECT_TRUE(std::any_of(volumes.begin(), volumes.end(), [&](const std::string& volume) {
            return at(compose, {"volumes"}).IsMap() &&
                   at(compose, {"volumes"})[volume.substr(0, volume.find(':'))].IsDefined();
        })) << "no named volume";
    }

    const YAML::Node migrate = at(services, {"migrate"});
    EXPECT_EQ(text(at(migrate, {"build", "context"})), "..");
    EXPECT_EQ(text(at(migrate, {"build", "dockerfile"})), "docker/Dockerfile");
    const Words volumes = words(at(migrate, {"volumes"}));
    EXPECT_TRUE(std::any_of(volumes.begin(), volumes.end(), [](const std::string& volume) {
        return volume.starts_with("../migrations-example:/migrations");
    })) << join(volumes, ", ");
    EXPECT_TRUE(text(at(migrate, {"environment", "MIGRATE_DATABASE_URL"})).starts_with("postgres://"));
    EXPECT_TRUE(any_runs({words(at(migrate, {"command"}))}, {"apply"}));

    // Every service that runs the image waits until its database is healthy, not just started.
    size_t checked = 0;
    for (const auto& service : services) {
        if (text(at(service.second, {"build", "dockerfile"})) != "docker/Dockerfile") {
            continue;
        }
        SCOPED_TRACE("service " + service.first.Scalar());
        const YAML::Node depends_on = at(service.second, {"depends_on"});
        ASSERT_TRUE(depends_on.IsMap()) << "depends_on must be a map with conditions";
        for (const auto& dependency : depends_on) {
            EXPECT_EQ(text(at(dependency.second, {"condition"})), "service_healthy") << dependency.first.Scalar();
            EXPECT_TRUE(at(services, {dependency.first.Scalar(), "healthcheck"}).IsDefined())
                << dependency.first.Scalar();
        }
        const std::string url = text(at(service.second, {"environment", "MIGRATE_DATABASE_URL"}));
        EXPECT_TRUE(
            std::any_of(depends_on.begin(), depends_on.end(),
                        [&](const auto& dependency) { return contains(url, "@" + dependency.first.Scalar() + ":"); }))
            << url << " is not a database it waits for";
        ++checked;
    }
    EXPECT_GE(checked, 1u);
}

// =============================================================================================
// GitHub Actions

TEST(GithubActionsExample, LintWorkflowUploadsSarifWithSecurityEventsWriteAndThenFailsOnFindings) {
    const YAML::Node workflow = document("github-actions/migrate-lint.yaml");
    EXPECT_TRUE(at(workflow, {"on"}).IsDefined()) << "no on: triggers";
    ASSERT_TRUE(at(workflow, {"jobs"}).IsMap());
    bool uploads = false;
    for (const auto& job : at(workflow, {"jobs"})) {
        const YAML::Node steps = at(job.second, {"steps"});
        std::optional<size_t> lint, upload;
        for (size_t i = 0; i < steps.size(); ++i) {
            if (any_runs(migrate_commands_in_shell(text(at(steps[i], {"run"}))), {"lint", "--format", "sarif"})) {
                lint = i;
            }
            if (text(at(steps[i], {"uses"})).starts_with("github/codeql-action/upload-sarif@")) {
                upload = i;
            }
        }
        if (!upload) {
            continue;
        }
        uploads = true;
        SCOPED_TRACE("job " + job.first.Scalar());
        const std::string permission = text(at(job.second, {"permissions", "security-events"})).empty()
                                           ? text(at(workflow, {"permissions", "security-events"}))
                                           : text(at(job.second, {"permissions", "security-events"}));
        EXPECT_EQ(permission, "write") << "upload-sarif needs security-events: write";
        ASSERT_TRUE(lint) << "no step runs migrate lint --format sarif before the upload";
        EXPECT_LT(*lint, *upload);
        const std::string sarif_file = text(at(steps[*upload], {"with", "sarif_file"}));
        EXPECT_TRUE(contains(text(at(steps[*lint], {"run"})), "> " + sarif_file))
            << "the lint step does not write " << sarif_file;
        // Lint exits 3 on findings: the upload must run anyway, and a later step fail the job.
        EXPECT_TRUE(contains(text(at(steps[*upload], {"if"})), "always()")) << "the upload is skipped after findings";
        const std::string lint_id = text(at(steps[*lint], {"id"}));
        const bool lint_step_fails =
            !contains(text(at(steps[*lint], {"run"})), "||") && text(at(steps[*lint], {"continue-on-error"})) != "true";
        bool fails_later = false;
        for (size_t i = *upload + 1; i < steps.size(); ++i) {
            fails_later =
                fails_later || (!lint_id.empty() && contains(text(at(steps[i], {"if"})), "steps." + lint_id + "."));
        }
        EXPECT_TRUE(lint_step_fails || fails_later) << "findings never fail the job";
    }
    EXPECT_TRUE(uploads) << "no job uses github/codeql-action/upload-sarif";
}

// =============================================================================================
// The Dockerfile

bool debian_12(const std::string& image) {
    static const std::regex pattern(R"(^debian:(12|bookworm)([-.][A-Za-z0-9.-]*)?$)");
    return std::regex_match(image, pattern);
}

TEST(Dockerfile, BuildsOnDebian12AndTheLastStageCopiesTheBinaryFromTheBuildStage) {
    const std::vector<DockerStage> stages = dockerfile_stages();
    ASSERT_GE(stages.size(), 2u) << "a build stage and a runtime stage";
    EXPECT_TRUE(debian_12(stages.front().base)) << stages.front().base;
    // The binary links the build stage's shared libraries: the runtime must be the same release.
    EXPECT_TRUE(debian_12(stages.back().base)) << stages.back().base;
    const std::string build = stages.front().name.empty() ? "0" : stages.front().name;
    const std::vector<std::string> copies = stages.back().all("COPY");
    EXPECT_TRUE(std::any_of(copies.begin(), copies.end(),
                            [&](const std::string& copy) {
                                return copy.starts_with("--from=" + build + " ") && contains(copy, "/migrate ");
                            }))
        << "no COPY --from=" << build << " of the migrate binary";
}

TEST(Dockerfile, BuildStageInstallsItsPackagesThroughInstallDepsOnly) {
    const DockerStage build = dockerfile_stages().front();
    bool runs_install_deps = false;
    for (const std::string& run : build.all("RUN")) {
        for (const Words& command : shell_commands(run)) {
            runs_install_deps =
                runs_install_deps || (command[0].ends_with("scripts/install-deps.sh") &&
                                      std::find(command.begin(), command.end(), "--build") != command.end());
        }
    }
    EXPECT_TRUE(runs_install_deps) << "the build stage does not run scripts/install-deps.sh --build";
    const std::set<std::string> listed = install_deps_packages();
    ASSERT_FALSE(listed.empty()) << "no package lists found in scripts/install-deps.sh";
    for (const std::string& package : apt_installs(build)) {
        EXPECT_TRUE(listed.contains(package)) << package << " is installed but not listed in scripts/install-deps.sh";
    }
}

TEST(Dockerfile, RuntimeStageRunsMigrateAsANonRootUserWithMigrationsInSlashMigrations) {
    const DockerStage runtime = dockerfile_stages().back();
    const std::vector<std::string> users = runtime.all("USER");
    ASSERT_FALSE(users.empty()) << "the image runs as root";
    const std::string user = users.back().substr(0, users.back().find(':'));
    EXPECT_NE(user, "root");
    EXPECT_NE(user, "0");
    // Kubernetes' runAsNonRoot can verify only a numeric user.
    EXPECT_TRUE(all_digits(user)) << "USER " << users.back();
    const std::vector<std::string> entrypoints = runtime.all("ENTRYPOINT");
    ASSERT_FALSE(entrypoints.empty());
    EXPECT_EQ(nlohmann::json::parse(entrypoints.back()), nlohmann::json::array({"migrate"}));
    const std::vector<std::string> envs = runtime.all("ENV");
    EXPECT_TRUE(std::find(envs.begin(), envs.end(), "MIGRATE_DIR=/migrations") != envs.end());
    const std::vector<std::string> workdirs = runtime.all("WORKDIR");
    ASSERT_FALSE(workdirs.empty());
    EXPECT_EQ(workdirs.back(), "/migrations");
    const std::vector<std::string> copies = runtime.all("COPY");
    EXPECT_TRUE(std::any_of(copies.begin(), copies.end(),
                            [](const std::string& copy) { return contains(copy, "docker/heartbeat.sh "); }));
    EXPECT_TRUE(apt_installs(runtime).contains("ca-certificates"));
}

TEST(Dockerfile, RuntimeStageInstallsTheDebianPackageOfEveryLibraryTheBinaryLinks) {
    const std::set<std::string> installed = apt_installs(dockerfile_stages().back());
    static const std::regex needed_line(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
    const std::string dynamic = command_output("readelf -d '" + std::string(MIGRATE_BINARY) + "'");
    size_t libraries = 0;
    for (auto match = std::sregex_iterator(dynamic.begin(), dynamic.end(), needed_line);
         match != std::sregex_iterator(); ++match) {
        const std::string library = (*match)[1];
        SCOPED_TRACE(library);
        // "libc6:amd64: /lib/x86_64-linux-gnu/libc.so.6", possibly several packages before the colon.
        std::set<std::string> owners;
        std::istringstream lines(command_output("dpkg -S '*/" + library + "' 2>/dev/null"));
        for (std::string line; std::getline(lines, line);) {
            std::istringstream names(line.substr(0, line.find(": ")));
            for (std::string name; std::getline(names >> std::ws, name, ',');) {
                owners.insert(name.substr(0, name.find(':')));
            }
        }
        ASSERT_FALSE(owners.empty()) << "dpkg knows no package with " << library;
        EXPECT_TRUE(std::any_of(owners.begin(), owners.end(),
                                [&](const std::string& owner) { return installed.contains(owner); }))
            << "the runtime stage installs none of: " << join(Words(owners.begin(), owners.end()), ", ");
        ++libraries;
    }
    EXPECT_GT(libraries, 0u) << "readelf listed no libraries\n" << dynamic;
}

// =============================================================================================
// heartbeat.sh, run against the built binary and a SQLite database

TEST(HeartbeatScript, EachMissingVariableIsNamedAndExitsWithUsageCode2) {
    TempDir temp;
    const fs::path bin = bin_with_migrate(temp);
    for (const char* missing : {"MIGRATE_APP", "MIGRATE_INSTANCE", "MIGRATE_APP_VERSION"}) {
        SCOPED_TRACE(missing);
        auto env = heartbeat_env(bin, "sqlite:" + (temp / "fleet.db").string());
        env.erase(missing);
        Heartbeat heartbeat(env, temp / "log");
        EXPECT_EQ(heartbeat.exit_code(std::chrono::seconds(10)), 2);
        EXPECT_TRUE(contains(read_file(temp / "log"), missing)) << read_file(temp / "log");
    }
}

TEST(HeartbeatScript, RefusesATtlNotLongerThanTheInterval) {
    TempDir temp;
    auto env = heartbeat_env(bin_with_migrate(temp), "sqlite:" + (temp / "fleet.db").string());
    env["MIGRATE_HEARTBEAT_TTL"] = "1s";
    Heartbeat heartbeat(env, temp / "log");
    EXPECT_EQ(heartbeat.exit_code(std::chrono::seconds(10)), 2);
    EXPECT_TRUE(contains(read_file(temp / "log"), "MIGRATE_HEARTBEAT_TTL")) << read_file(temp / "log");
}

TEST(HeartbeatScript, RegistersAtOnceRefreshesEveryIntervalAndDeregistersOnSigterm) {
    TempDir temp;
    const std::string url = "sqlite:" + (temp / "fleet.db").string();
    Heartbeat heartbeat(heartbeat_env(bin_with_migrate(temp), url), temp / "log");

    std::optional<nlohmann::json> first;
    ASSERT_TRUE(eventually([&] { return (first = pod_1(url)).has_value(); })) << read_file(temp / "log");
    EXPECT_EQ(first->value("version", ""), "2.0.0");
    // last_seen has whole seconds; with a 1s interval it moves within a few.
    EXPECT_TRUE(eventually([&] {
        std::optional<nlohmann::json> now = pod_1(url);
        return now && now->value("last_seen", "") != first->value("last_seen", "");
    })) << "no second heartbeat\n"
        << read_file(temp / "log");

    heartbeat.send(SIGTERM);
    EXPECT_EQ(heartbeat.exit_code(std::chrono::seconds(15)), 0) << read_file(temp / "log");
    const std::optional<nlohmann::json> after = fleet(url);
    ASSERT_TRUE(after) << "migrate fleet list failed";
    EXPECT_EQ(after->size(), 0u) << "still registered after SIGTERM: " << after->dump();
}

TEST(HeartbeatScript, FailedHeartbeatIsLoggedAndRetriedAndSigintStillExitsZero) {
    TempDir temp;
    // A database that cannot be opened: every heartbeat fails.
    const std::string url = "sqlite:" + (temp / "no-such-folder" / "fleet.db").string();
    Heartbeat heartbeat(heartbeat_env(bin_with_migrate(temp), url), temp / "log");
    EXPECT_TRUE(eventually([&] {
        const std::string log = read_file(temp / "log");
        const size_t first = log.find("heartbeat failed");
        return first != std::string::npos && log.find("heartbeat failed", first + 1) != std::string::npos;
    })) << "not two failed rounds\n"
        << read_file(temp / "log");
    EXPECT_FALSE(heartbeat.exit_code(std::chrono::milliseconds(0))) << "a failed heartbeat ended the loop";
    heartbeat.send(SIGINT);
    EXPECT_EQ(heartbeat.exit_code(std::chrono::seconds(15)), 0) << read_file(temp / "log");
}

// =============================================================================================
// Every migrate command in the examples, against the binary's --help

TEST(ExampleMigrateCommands, CheckerRejectsUnknownCommandsAndOptionsAndFindsCommandsInShell) {
    EXPECT_TRUE(check_migrate_command({"apply", "--phase", "expand"}).empty());
    EXPECT_TRUE(check_migrate_command({"-u", "sqlite:app.db", "status"}).empty());
    EXPECT_TRUE(check_migrate_command({"backfill", "pause", "0004", "--reason", "load"}).empty());
    EXPECT_FALSE(check_migrate_command({"aply"}).empty());
    EXPECT_FALSE(check_migrate_command({"apply", "--phaze", "expand"}).empty());
    EXPECT_FALSE(check_migrate_command({"status", "--dry-run"}).empty()) << "another command's option";
    EXPECT_FALSE(check_migrate_command({"backfill"}).empty()) << "a missing subcommand";
    EXPECT_FALSE(check_migrate_command({"backfill", "frobnicate"}).empty());
    EXPECT_FALSE(check_migrate_command({}).empty());

    const std::vector<Words> found = migrate_commands_in_shell(
        "# migrate apply in a comment\n"
        "X=1 build/migrate lint --format \"sarif\" > out.sarif 2>&1 || echo 'migrate failed'\n"
        "cmake --build build --target migrate\n"
        "if migrate fleet deregister --app web \\\n  --instance \"$POD\"; then :; fi\n");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0], (Words{"lint", "--format", "sarif"}));
    EXPECT_EQ(found[1], (Words{"fleet", "deregister", "--app", "web", "--instance", "$POD"}));
}

TEST(ExampleMigrateCommands, EveryCommandNamesARealSubcommandAndOnlyOptionsItsHelpLists) {
    const std::vector<std::pair<std::string, std::vector<MigrateCommand>>> sources = {
        {"Kubernetes and Argo manifests", kubernetes_migrate_commands()},
        {"docker/compose.yaml", compose_migrate_commands()},
        {"the GitHub Actions workflow", workflow_migrate_commands()},
        {"docker/heartbeat.sh", heartbeat_migrate_commands()},
    };
    std::vector<Words> all;
    for (const auto& [source, commands] : sources) {
        EXPECT_FALSE(commands.empty()) << "no migrate command found in " << source;
        for (const MigrateCommand& command : commands) {
            for (const std::string& problem : check_migrate_command(command.args)) {
                ADD_FAILURE() << command.where << ": migrate " << join(command.args) << "\n  " << problem;
            }
            all.push_back(command.args);
        }
    }
    // The examples cover the whole rollout.
    for (const Words& expected : std::vector<Words>{{"apply", "--phase", "expand"},
                                                    {"apply", "--phase", "backfill"},
                                                    {"gate", "contract", "--wait"},
                                                    {"apply", "--phase", "contract"},
                                                    {"fleet", "register"},
                                                    {"fleet", "deregister"},
                                                    {"lint", "--format", "sarif"}}) {
        EXPECT_TRUE(any_runs(all, expected)) << "no example runs migrate " << join(expected);
    }
}

}  // namespace
}  // namespace migrate::docker_test
