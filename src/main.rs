fn main() -> std::process::ExitCode {
    tribit::cli::run()
}
