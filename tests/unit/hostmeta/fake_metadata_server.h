/* SPDX-License-Identifier: MIT */
/* Fake EC2 IMDSv2 and ECS task metadata endpoints on loopback, run in a child process. */
#ifndef PB_TEST_FAKE_METADATA_SERVER_H
#define PB_TEST_FAKE_METADATA_SERVER_H

#include <stdint.h>
#include <sys/types.h>

#define FAKE_IMDS_TOKEN	   "fake-token-5e1f"
#define FAKE_INSTANCE_ID   "i-0123456789abcdef0"
#define FAKE_REGION	   "eu-west-3"
#define FAKE_AZ		   "eu-west-3b"
#define FAKE_INSTANCE_TYPE "c7g.large"
#define FAKE_TASK_ARN	   "arn:aws:ecs:eu-west-3:111122223333:task/prod/0f1e2d3c4b5a"
#define FAKE_CLUSTER	   "arn:aws:ecs:eu-west-3:111122223333:cluster/prod"
#define FAKE_CONTAINER	   "api-server"
#define FAKE_ROLE	   "pb-role"

/*
 * IMDSv2 under / answers with FAKE_IMDS_TOKEN; GET /stats says what it was asked ("puts=1
 * gets=5 untokened=0 injected=0 ttl=21600"). Hostile ones under a prefix: /huge/ (1 MiB
 * answers), /slow/ (a byte every 50 ms), /denied/ (401 to every read), /once/ (a token is good
 * for one read), /badtoken/ (a token with a line break and a header), /bigtoken/ (4 KiB).
 */
struct fake_server {
	pid_t pid;
	uint16_t port;	    /* answers IMDSv2 under / and ECS under /v4 */
	uint16_t hang_port; /* accepts connections and never answers */
};

/* Starts the servers on free 127.0.0.1 ports; 0 or -errno. */
int fake_server_start(struct fake_server *fs);
void fake_server_stop(struct fake_server *fs);

#endif
