import Foundation
@testable import SOHServer
import Testing

/// Signatures checked against botocore's S3 signer (`S3SigV4Auth`) for the requests of AWS's
/// own SigV4 examples (AWS's example keys, 24 May 2013, bucket `examplebucket`); the live check
/// of every request soh sends is `Tests/delivery/test_evidence_s3.py`.
@Suite("SigV4 signatures") struct SigV4Tests {
    static let signer = SigV4(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
    static let day = Date(timeIntervalSince1970: 1_369_353_600)
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func authorization(_ headers: [(String, String)]) -> String? { headers.first { $0.0 == "authorization" }?.1 }

    @Test func aRangedGetSignsAsBotocoreDoes() {
        let headers = Self.signer.sign(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", query: [],
                                       headers: [("Range", "bytes=0-9")], payloadSHA256: Self.empty, at: Self.day)
        #expect(Self.authorization(headers) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.contains { $0 == ("x-amz-date", "20130524T000000Z") })
    }

    @Test func aListingWithAQuerySignsAsBotocoreDoes() {
        let headers = Self.signer.sign(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/", query: [("prefix", "J"), ("max-keys", "2")],
                                       headers: [], payloadSHA256: Self.empty, at: Self.day)
        #expect(Self.authorization(headers)?.hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    @Test func keysAndQueriesAreEncodedOnce() {
        #expect(SigV4.encode("a b/c$d~é", slash: false) == "a%20b/c%24d~%C3%A9")
        #expect(SigV4.encode("a/b", slash: true) == "a%2Fb")
        #expect(SigV4.canonicalQuery([("delete", ""), ("a", "x y")]) == "a=x%20y&delete=")
    }
}

/// `--evidence s3://BUCKET/PREFIX` and the AWS variables, read strictly: every mistake refused
/// with what is wrong, nothing started.
@Suite("S3 bucket URLs") struct S3BucketTests {
    static let credentials = ["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"]

    func problem(_ url: String, _ environment: [String: String] = credentials) -> String? {
        do { _ = try S3Bucket(url: url, environment: environment); return nil } catch { return error.description }
    }

    @Test func aGoodURLAndEnvironment() throws {
        let aws = try S3Bucket(url: "s3://force-evidence/soh", environment: Self.credentials.merging(["AWS_REGION": "eu-west-2"]) { $1 })
        #expect(aws.prefix == "soh/" && aws.region == "eu-west-2" && !aws.pathStyle && aws.endpoint.absoluteString == "https://s3.eu-west-2.amazonaws.com")
        let minio = try S3Bucket(url: "s3://evidence", environment: Self.credentials.merging(["AWS_ENDPOINT_URL": "http://minio.internal:9000/"]) { $1 })
        #expect(minio.prefix == "" && minio.pathStyle && minio.endpoint.port == 9000 && minio.location == "s3://evidence/")
    }

    @Test func mistakesAreRefusedWithTheirReason() {
        #expect(problem("s3://Evidence/x")?.contains("is not a bucket name") == true)
        #expect(problem("s3://ab")?.contains("is not a bucket name") == true)
        #expect(problem("s3://evidence/a/../b")?.contains("'.' or '..' part") == true)
        #expect(problem("s3://evidence/a//b")?.contains("an empty") == true)
        #expect(problem("s3://evidence/a\u{0}b")?.contains("control character") == true)
        #expect(problem("s3://evidence", [:])?.contains("needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") == true)
        #expect(problem("s3://evidence", Self.credentials.merging(["AWS_ENDPOINT_URL": "ftp://x"]) { $1 })?.contains("is not http(s)://HOST[:PORT]") == true)
        #expect(problem("s3://evidence", Self.credentials.merging(["AWS_ENDPOINT_URL": "https://x/path"]) { $1 })?.contains("is not http(s)://HOST[:PORT]") == true)
    }
}
