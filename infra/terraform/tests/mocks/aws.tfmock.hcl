# Values the mocked AWS provider returns where the defaults (random strings) would not pass
# the provider's own validation or make the assertions meaningless.

mock_data "aws_availability_zones" {
  defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
}
mock_data "aws_region" {
  defaults = { name = "eu-west-1" }
}
mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}
mock_data "aws_partition" {
  defaults = { partition = "aws" }
}
mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}
mock_resource "aws_lb" {
  defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/platform/0123456789abcdef", arn_suffix = "app/platform/0123456789abcdef", dns_name = "internal-platform-123.eu-west-1.elb.amazonaws.com" }
}
mock_data "aws_ec2_managed_prefix_list" {
  defaults = { id = "pl-4fa04526", name = "com.amazonaws.global.cloudfront.origin-facing" }
}
mock_resource "aws_cloudfront_vpc_origin" {
  defaults = { id = "vo_0123456789abcdef", arn = "arn:aws:cloudfront::123456789012:vpcorigin/vo_0123456789abcdef" }
}
mock_resource "aws_cloudfront_distribution" {
  defaults = { id = "E0123456789ABC", domain_name = "d111111abcdef8.cloudfront.net", hosted_zone_id = "Z2FDTNDATAQYW2", arn = "arn:aws:cloudfront::123456789012:distribution/E0123456789ABC" }
}
mock_resource "aws_wafv2_web_acl" {
  defaults = { arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/mocked/00000000-0000-0000-0000-000000000000" }
}
mock_resource "aws_acm_certificate" {
  defaults = { arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555" }
}
mock_resource "aws_docdb_cluster" {
  defaults = { arn = "arn:aws:rds:eu-west-1:123456789012:cluster:platform-abc", endpoint = "platform.cluster-abc.eu-west-1.docdb.amazonaws.com", port = 27017, master_user_secret = [{ kms_key_id = "arn:aws:kms:eu-west-1:123456789012:key/aws-secretsmanager", secret_status = "active", secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-abc-AbCdEf" }] }
}
mock_resource "aws_mq_broker" {
  defaults = { instances = [{ console_url = "https://b-1.mq.eu-west-1.amazonaws.com", ip_address = "10.20.128.10", endpoints = ["amqps://b-1.mq.eu-west-1.amazonaws.com:5671"] }] }
}
mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mocked" }
}
mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
}
mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
}
mock_resource "aws_secretsmanager_secret" {
  defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mocked-AbCdEf" }
}
mock_resource "aws_lb_target_group" {
  defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mocked/0123456789abcdef", arn_suffix = "targetgroup/mocked/0123456789abcdef" }
}
mock_resource "aws_lb_listener" {
  defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/mocked/0123456789abcdef/0123456789abcdef" }
}
mock_resource "aws_ecs_cluster" {
  defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/mocked" }
}
mock_resource "aws_ecs_task_definition" {
  defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mocked:1" }
}
mock_resource "aws_ecr_repository" {
  defaults = { arn = "arn:aws:ecr:eu-west-1:123456789012:repository/mocked", repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mocked" }
}
mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::mocked" }
}
mock_resource "aws_iam_openid_connect_provider" {
  defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
}
mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:mocked-alarms" }
}
mock_resource "aws_cloudwatch_metric_alarm" {
  defaults = { arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mocked" }
}
mock_resource "aws_service_discovery_private_dns_namespace" {
  defaults = { id = "ns-0123456789abcdef", arn = "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-0123456789abcdef", hosted_zone = "Z0123456789ABCDEFGHIJ" }
}
mock_resource "aws_service_discovery_service" {
  defaults = { id = "srv-0123456789abcdef", arn = "arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-0123456789abcdef" }
}
mock_resource "aws_efs_file_system" {
  defaults = { id = "fs-0123456789abcdef0", arn = "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0" }
}
mock_resource "aws_efs_access_point" {
  defaults = { id = "fsap-0123456789abcdef0", arn = "arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-0123456789abcdef0" }
}
