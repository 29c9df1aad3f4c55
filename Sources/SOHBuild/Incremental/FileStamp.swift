import Crypto
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

    func isSettled(before hashedAt: Int64) -> Bool { ctime < hashedAt - 2_000_000_000 && mtime < hashedAt - 2_000_000_000 }

    /// The wall clock, which file times follow, in nanoseconds since 1970.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
