//! Files the inbox hands to other programs: the `$EDITOR` draft and a media file to open. They
//! live in a directory only this user can reach, checked rather than trusted: `/tmp/wabox-UID`
//! made first by another user (or a link planted there) would let that user read the draft or
//! point our write at a file of ours (issue 13). Files are created new, never through a link.

use crate::protocol::MediaFile;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Why a directory is not private to this user.
#[derive(Debug, PartialEq, Eq)]
pub enum NotPrivate {
    Missing,
    Link,
    NotADir,
    Owner(u32),
    Mode(u32),
    Unreadable(String),
}

/// Whether `dir` is a real directory (not a link), owned by `uid`, with no access for others.
pub fn check_private(dir: &Path, uid: u32) -> Result<(), NotPrivate> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(NotPrivate::Missing),
        Err(e) => return Err(NotPrivate::Unreadable(e.to_string())),
    };
    if meta.file_type().is_symlink() {
        return Err(NotPrivate::Link);
    }
    if !meta.is_dir() {
        return Err(NotPrivate::NotADir);
    }
    if meta.uid() != uid {
        return Err(NotPrivate::Owner(meta.uid()));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(NotPrivate::Mode(meta.mode() & 0o7777));
    }
    Ok(())
}

/// `base/wabox-UID` when it is (or can be made) private; else a fresh directory of a random
/// name under `base`, made by this process alone.
pub fn private_dir_in(base: &Path, uid: u32) -> std::io::Result<PathBuf> {
    let usual = base.join(format!("wabox-{uid}"));
    match std::fs::DirBuilder::new().mode(0o700).create(&usual) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    if check_private(&usual, uid).is_ok() {
        return Ok(usual);
    }
    // Someone else's, a link, or too open: never used, never repaired (it may not be ours to
    // change); a directory nobody else can have made is used instead.
    tempfile::Builder::new()
        .prefix(&format!("wabox-{uid}-"))
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir_in(base)
        .map(tempfile::TempDir::keep)
}

/// This session's private directory: `$XDG_RUNTIME_DIR/wabox` when that runtime dir is private
/// (the login's own, made by the system), else one under the temp dir; chosen once.
fn private_dir() -> std::io::Result<PathBuf> {
    static CHOSEN: OnceLock<PathBuf> = OnceLock::new();
    if let Some(dir) = CHOSEN.get() {
        return Ok(dir.clone());
    }
    let uid = nix::unistd::getuid().as_raw();
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute() && check_private(d, uid).is_ok());
    let dir = match runtime {
        Some(r) => private_dir_in(&r, uid)?,
        None => private_dir_in(&std::env::temp_dir(), uid)?,
    };
    Ok(CHOSEN.get_or_init(|| dir).clone())
}

/// A new file of mode 0600 in a private directory, replacing a leftover of an earlier run (the
/// directory is ours, so whatever is there was ours too) and never following a link.
fn create_private_file(path: &Path) -> std::io::Result<File> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
}

/// `$VISUAL`, else `$EDITOR`, else `vi`, on a private temporary file.
pub fn edit_in_editor(text: &str) -> std::io::Result<String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    edit_in(&private_dir()?, &editor, text)
}

fn edit_in(dir: &Path, editor: &str, text: &str) -> std::io::Result<String> {
    let path = dir.join(format!("reply-{}.txt", std::process::id()));
    create_private_file(&path)?.write_all(text.as_bytes())?;
    // Through the shell, so an editor with arguments (`code --wait`) works.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("wabox-editor")
        .arg(&path)
        .status()?;
    // The editor may have replaced the file (save by rename): read it without following a link.
    let edited = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(&path)
        .and_then(|mut f| {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut f, &mut s).map(|_| s)
        });
    let _ = std::fs::remove_file(&path);
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "{editor} exited with {status}"
        )));
    }
    Ok(edited?.trim_end_matches('\n').to_string())
}

pub(super) fn extension(mime: Option<&str>) -> &'static str {
    match mime.unwrap_or("").split(';').next().unwrap_or("").trim() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "audio/ogg" => "ogg",
        "audio/mpeg" => "mp3",
        "audio/mp4" | "audio/aac" => "m4a",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => "bin",
    }
}

/// Where the link writes a message's file as it arrives, a chunk at a time, so a file of any
/// size is never held whole in memory (a video over a remote link): this process's own name in
/// the private directory. Opening or saving it then moves or copies it from there.
pub fn fetched_path(message_id: i64) -> std::io::Result<PathBuf> {
    Ok(private_dir()?.join(format!("fetch-{}-{message_id}", std::process::id())))
}

/// A new, empty fetched file for `message_id` (a leftover of an earlier fetch replaced).
pub fn create_fetched(message_id: i64) -> std::io::Result<(PathBuf, File)> {
    let path = fetched_path(message_id)?;
    let file = create_private_file(&path)?;
    Ok((path, file))
}

/// Opening hands the fetched file over from the private temp dir; saving copies it to the
/// current directory (never through a link planted under the file's name).
pub fn save_media(
    file: &MediaFile,
    open: bool,
    open_command: Option<&str>,
) -> anyhow::Result<PathBuf> {
    let fetched = fetched_path(file.message_id)?;
    let name = format!(
        "wabox-{}.{}",
        file.message_id,
        extension(file.mime_type.as_deref())
    );
    if !open {
        let path = Path::new(".").join(name);
        let copied = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&path)
            .and_then(|mut to| std::io::copy(&mut File::open(&fetched)?, &mut to));
        let _ = std::fs::remove_file(&fetched);
        copied.map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))?;
        return Ok(path);
    }
    // The same private directory: a rename, whatever the size.
    let path = private_dir()?.join(name);
    let _ = std::fs::remove_file(&path);
    std::fs::rename(&fetched, &path)?;
    let command = open_command.unwrap_or(if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    });
    std::process::Command::new(command)
        .arg(&path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| anyhow::anyhow!("could not run {command}: {e}"))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn me() -> u32 {
        nix::unistd::getuid().as_raw()
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn a_missing_usual_dir_is_made_private_and_then_reused() {
        let base = tempfile::tempdir().unwrap();
        let dir = private_dir_in(base.path(), me()).unwrap();
        assert_eq!(dir, base.path().join(format!("wabox-{}", me())));
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(private_dir_in(base.path(), me()).unwrap(), dir);
    }

    #[test]
    fn a_planted_link_is_not_used_and_its_target_is_not_touched() {
        let base = tempfile::tempdir().unwrap();
        let victims = base.path().join("victims");
        std::fs::create_dir(&victims).unwrap();
        std::fs::set_permissions(&victims, std::fs::Permissions::from_mode(0o700)).unwrap();
        let planted = base.path().join(format!("wabox-{}", me()));
        std::os::unix::fs::symlink(&victims, &planted).unwrap();
        assert_eq!(check_private(&planted, me()), Err(NotPrivate::Link));
        let dir = private_dir_in(base.path(), me()).unwrap();
        assert_ne!(dir, planted);
        assert!(!dir.starts_with(&victims));
        assert_eq!(check_private(&dir, me()), Ok(()));
        // The draft goes where the check sent it, and the link's target gets nothing.
        let edited = edit_in(&dir, "printf 'mine\\n' >", "draft").unwrap();
        assert_eq!(edited, "mine");
        assert_eq!(std::fs::read_dir(&victims).unwrap().count(), 0);
    }

    #[test]
    fn a_dir_open_to_others_or_another_users_is_not_used() {
        let base = tempfile::tempdir().unwrap();
        let usual = base.path().join(format!("wabox-{}", me()));
        std::fs::create_dir(&usual).unwrap();
        std::fs::set_permissions(&usual, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(check_private(&usual, me()), Err(NotPrivate::Mode(0o777)));
        assert_ne!(private_dir_in(base.path(), me()).unwrap(), usual);
        assert_eq!(mode(&usual), 0o777, "someone else's dir is not repaired");
        // Made by another user first: for a user of uid `victim`, ours is that other user's.
        let victim = me() + 1;
        let theirs = base.path().join(format!("wabox-{victim}"));
        std::fs::create_dir(&theirs).unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(check_private(&theirs, victim), Err(NotPrivate::Owner(me())));
        assert_ne!(private_dir_in(base.path(), victim).unwrap(), theirs);
    }

    #[test]
    fn a_link_planted_in_place_of_a_file_is_replaced_not_followed() {
        let base = tempfile::tempdir().unwrap();
        let victim = base.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let dir = private_dir_in(base.path(), me()).unwrap();
        let path = dir.join("reply.txt");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        create_private_file(&path)
            .unwrap()
            .write_all(b"draft")
            .unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert_eq!(mode(&path), 0o600);
    }
}
