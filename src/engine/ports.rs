//! Who listens on a TCP port: `/proc/net/tcp{,6}` gives the socket, `/proc/<pid>/fd` its owner.

use std::fs;

/// "pid 1234 (nginx)" for the process listening on `port`, when this user can see it.
pub fn owner(port: u16) -> Option<String> {
    let inode = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .find_map(|f| listening_inode(f, port))?;
    let target = format!("socket:[{inode}]");
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(fds) = fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == target) {
                let name = fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
                return Some(format!("pid {pid} ({})", name.trim()));
            }
        }
    }
    None
}

/// The inode of the socket listening (state 0A) on `port`.
fn listening_inode(file: &str, port: u16) -> Option<String> {
    let text = fs::read_to_string(file).ok()?;
    let hex = format!(":{port:04X}");
    text.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        (cols.len() > 9 && cols[1].ends_with(&hex) && cols[3] == "0A").then(|| cols[9].to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_this_process_listening() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let who = super::owner(port).expect("a listener");
        assert!(
            who.starts_with(&format!("pid {}", std::process::id())),
            "{who}"
        );
    }
}
