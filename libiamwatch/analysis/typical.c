/* SPDX-License-Identifier: MIT */
/*
 * typical.c - six typical CloudTrail records (typical.h), written out as the
 * JSON CloudTrail delivers, and the count of those a pattern matches with the
 * library's own matcher.
 */
#include "analysis/typical.h"

static const char *const typical_labels[] = {
    "a read-only EC2 DescribeInstances call",
    "a successful ConsoleLogin",
    "an S3 GetObject data event",
    "an IAM ListUsers call",
    "an STS AssumeRole call by an AWS service",
    "a KMS Decrypt call",
};

static const char *const typical_json[] = {
    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":"
    "\"AIDAEXAMPLE1\",\"arn\":\"arn:aws:iam::123456789012:user/alice\",\"accountId\":"
    "\"123456789012\",\"accessKeyId\":\"AKIAEXAMPLE1\",\"userName\":\"alice\"},\"eventTime\":"
    "\"2024-05-01T10:00:00Z\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":"
    "\"DescribeInstances\",\"awsRegion\":\"us-east-2\",\"sourceIPAddress\":\"198.51.100.7\","
    "\"userAgent\":\"aws-cli/2.15.0\",\"requestParameters\":{\"maxResults\":5},"
    "\"responseElements\":null,\"requestID\":\"r-0001\",\"eventID\":\"e-0001\",\"readOnly\":true,"
    "\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":"
    "\"123456789012\",\"eventCategory\":\"Management\"}",

    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"IAMUser\",\"principalId\":"
    "\"AIDAEXAMPLE2\",\"arn\":\"arn:aws:iam::123456789012:user/bob\",\"accountId\":"
    "\"123456789012\",\"userName\":\"bob\"},\"eventTime\":\"2024-05-01T10:01:00Z\","
    "\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"awsRegion\":"
    "\"us-east-1\",\"sourceIPAddress\":\"203.0.113.9\",\"userAgent\":\"Mozilla/5.0\","
    "\"requestParameters\":null,\"responseElements\":{\"ConsoleLogin\":\"Success\"},"
    "\"additionalEventData\":{\"LoginTo\":\"https://console.aws.amazon.com/\","
    "\"MobileVersion\":\"No\",\"MFAUsed\":\"Yes\"},\"eventID\":\"e-0002\",\"readOnly\":false,"
    "\"eventType\":\"AwsConsoleSignIn\",\"managementEvent\":true,\"recipientAccountId\":"
    "\"123456789012\",\"eventCategory\":\"Management\"}",

    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":"
    "\"AROAEXAMPLE3:app\",\"arn\":\"arn:aws:sts::123456789012:assumed-role/app/i-0abc\","
    "\"accountId\":\"123456789012\",\"accessKeyId\":\"ASIAEXAMPLE3\"},\"eventTime\":"
    "\"2024-05-01T10:02:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\","
    "\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"10.0.1.23\",\"userAgent\":"
    "\"aws-sdk-java/1.12\",\"requestParameters\":{\"bucketName\":\"data\",\"key\":\"a.csv\"},"
    "\"responseElements\":null,\"additionalEventData\":{\"SignatureVersion\":\"SigV4\","
    "\"bytesTransferredOut\":1024},\"requestID\":\"r-0003\",\"eventID\":\"e-0003\","
    "\"readOnly\":true,\"resources\":[{\"type\":\"AWS::S3::Object\",\"ARN\":"
    "\"arn:aws:s3:::data/a.csv\"}],\"eventType\":\"AwsApiCall\",\"managementEvent\":false,"
    "\"recipientAccountId\":\"123456789012\",\"eventCategory\":\"Data\"}",

    "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":"
    "\"AROAEXAMPLE4:carol\",\"arn\":\"arn:aws:sts::123456789012:assumed-role/Admin/carol\","
    "\"accountId\":\"123456789012\",\"accessKeyId\":\"ASIAEXAMPLE4\",\"sessionContext\":{"
    "\"attributes\":{\"creationDate\":\"2024-05-01T09:00:00Z\",\"mfaAuthenticated\":"
    "\"false\"}}},\"eventTime\":\"2024-05-01T10:03:00Z\",\"eventSource\":\"iam.amazonaws.com\","
    "\"eventName\":\"ListUsers\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":"
    "\"192.0.2.44\",\"userAgent\":\"console.amazonaws.com\",\"requestParameters\":null,"
    "\"responseElements\":null,\"requestID\":\"r-0004\",\"eventID\":\"e-0004\",\"readOnly\":true,"
    "\"eventType\":\"AwsApiCall\",\"managementEvent\":true,\"recipientAccountId\":"
    "\"123456789012\",\"eventCategory\":\"Management\",\"sessionCredentialFromConsole\":"
    "\"true\"}",

    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AWSService\",\"invokedBy\":"
    "\"ec2.amazonaws.com\"},\"eventTime\":\"2024-05-01T10:04:00Z\",\"eventSource\":"
    "\"sts.amazonaws.com\",\"eventName\":\"AssumeRole\",\"awsRegion\":\"us-east-1\","
    "\"sourceIPAddress\":\"ec2.amazonaws.com\",\"userAgent\":\"ec2.amazonaws.com\","
    "\"requestParameters\":{\"roleArn\":\"arn:aws:iam::123456789012:role/app\","
    "\"roleSessionName\":\"i-0abc\"},\"responseElements\":{\"credentials\":{\"accessKeyId\":"
    "\"ASIAEXAMPLE5\"}},\"requestID\":\"r-0005\",\"eventID\":\"e-0005\",\"readOnly\":true,"
    "\"resources\":[{\"ARN\":\"arn:aws:iam::123456789012:role/app\",\"type\":"
    "\"AWS::IAM::Role\"}],\"eventType\":\"AwsApiCall\",\"managementEvent\":true,"
    "\"recipientAccountId\":\"123456789012\",\"sharedEventID\":\"s-0005\",\"eventCategory\":"
    "\"Management\"}",

    "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"AssumedRole\",\"principalId\":"
    "\"AROAEXAMPLE6:lambda\",\"arn\":\"arn:aws:sts::123456789012:assumed-role/fn/lambda\","
    "\"accountId\":\"123456789012\",\"accessKeyId\":\"ASIAEXAMPLE6\",\"invokedBy\":"
    "\"lambda.amazonaws.com\"},\"eventTime\":\"2024-05-01T10:05:00Z\",\"eventSource\":"
    "\"kms.amazonaws.com\",\"eventName\":\"Decrypt\",\"awsRegion\":\"ap-southeast-2\","
    "\"sourceIPAddress\":\"lambda.amazonaws.com\",\"userAgent\":\"lambda.amazonaws.com\","
    "\"requestParameters\":{\"encryptionAlgorithm\":\"SYMMETRIC_DEFAULT\"},"
    "\"responseElements\":null,\"requestID\":\"r-0006\",\"eventID\":\"e-0006\",\"readOnly\":true,"
    "\"resources\":[{\"type\":\"AWS::KMS::Key\",\"ARN\":"
    "\"arn:aws:kms:ap-southeast-2:123456789012:key/k1\"}],\"eventType\":\"AwsApiCall\","
    "\"managementEvent\":true,\"recipientAccountId\":\"123456789012\",\"eventCategory\":"
    "\"Management\"}",
};

size_t iamw__typical_count(void)
{
	return sizeof typical_json / sizeof typical_json[0];
}

const char *iamw__typical_record(size_t i, const char **label)
{
	if (i >= iamw__typical_count())
		return NULL;
	if (label)
		*label = typical_labels[i];
	return typical_json[i];
}

int iamw__typical_matches(const iamw_pattern *p, iamw_match *m, size_t *matched)
{
	size_t k = 0;
	for (size_t i = 0; i < iamw__typical_count(); i++) {
		int r = iamw_pattern_match_text(p, typical_json[i], IAMW_NUL_TERMINATED, m);
		if (r < 0)
			return r;
		k += (size_t)r;
	}
	*matched = k;
	return IAMW_OK;
}
