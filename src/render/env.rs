//! `.env.example` and `.gitignore` for the output folder.

use super::header;
use crate::model::Stack;

pub fn example(stack: &Stack) -> String {
    let mut s = header(stack, "#");
    s += "# Every variable the stack reads at run time. Copy this file to .env in this folder\n";
    s += "# and fill in the values. Never commit .env.\n";
    s += &format!(
        "\n# The Compose project: container, network and volume names start with it.\nCOMPOSE_PROJECT_NAME={}\n",
        stack.name
    );
    for (name, v) in &stack.variables {
        s += &format!(
            "\n# {} (read by: {})\n{name}=\n",
            v.purpose,
            v.readers.join(", ")
        );
    }
    s
}

pub fn gitignore(stack: &Stack) -> String {
    let mut s = header(stack, "#");
    s += "# Secrets and machine-local files: never committed.\n";
    for line in [
        ".env",
        "certs/",
        "secrets/",
        "*.key",
        "*-key.pem",
        "privkey.pem",
    ] {
        s += line;
        s.push('\n');
    }
    s
}
