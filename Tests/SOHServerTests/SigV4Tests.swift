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
