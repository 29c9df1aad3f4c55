import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SOHModel

/// What `stat` says of a file: its size, modification and change times and inode; the one
/// file-status type of the build (inputs and outputs alike).
///
/// For an input, the change time cannot be set by hand and moves with every write, so a file
/// with the stamp it had when it was hashed still has those bytes, unless it was written within
/// the same tick of the filesystem's clock as it was read. So a stamp is trusted only when the
/// file had last changed two seconds or more before the build that hashed it began
/// (`isSettled`); younger files are read again, as `git` treats "racily clean" files. For an
/// output, its size and modification time are compared with the build cache's.
struct FileStamp: Sendable, Equatable {
    var size: Int
    var mtime: Int64
    var ctime: Int64
    var inode: UInt64

    init(size: Int, mtime: Int64, ctime: Int64 = 0, inode: UInt64 = 0) {
        self.size = size
        self.mtime = mtime
        self.ctime = ctime
        self.inode = inode
    }

    init(_ info: stat) {
        size = Int(info.st_size)
        mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        ctime = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        inode = UInt64(info.st_ino)
    }

    /// The stamp of the file at `path`, nil when there is none.
    static func of(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStamp(info)
    }

    /// A file's bytes, read with plain system calls, with its stamp as `fstat` gave it before
    /// they were read; nil when it cannot be read whole.
    static func read(_ path: String) -> (bytes: [UInt8], stamp: FileStamp)? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        var bytes = [UInt8](repeating: 0, count: max(0, Int(info.st_size)))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        // A file that changed size while being read is read again by the next build.
        return done == bytes.count ? (bytes, FileStamp(info)) : nil
    }

    func isSettled(before hashedAt: Int64) -> Bool { ctime < hashedAt - 2_000_000_000 && mtime < hashedAt - 2_000_000_000 }

    /// The wall clock, which file times follow, in nanoseconds since 1970.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
