//! Running a command in a container through the Engine API, as `docker exec` does.

use anyhow::Result;
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::Docker;
use futures_util::StreamExt;

/// What a command run in a container printed (stdout and stderr together), and its exit code.
pub struct Ran {
    pub code: i64,
    pub text: String,
}

/// Runs `cmd` in `container` and waits for it to end.
pub async fn run(docker: &Docker, container: &str, cmd: Vec<&str>) -> Result<Ran> {
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(cmd),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await?;
    let mut text = String::new();
    if let StartExecResults::Attached { mut output, .. } = docker.start_exec(&exec.id, None).await?
    {
        while let Some(chunk) = output.next().await {
            text += &chunk?.to_string();
        }
    }
    let code = docker.inspect_exec(&exec.id).await?.exit_code.unwrap_or(-1);
    Ok(Ran { code, text })
}
