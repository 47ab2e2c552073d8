/**
 * Drives the pack's policies through @pulumi/policy's own request handlers (the functions its gRPC server
 * registers), without starting a server. Config cannot be set this way (the server keeps it private and
 * only the Configure RPC sets it), so these runs use every rule's defaults; see packProcess.ts for config.
 */
import type * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { policies } from "../../../policy-pack/policies";
import {
    Analysis,
    ResourceSpec,
    Remediation,
    analyzeRequest,
    analyzeStackRequest,
    readAnalysis,
    readRemediations,
} from "./requests";

type Handler<Req, Res> = (call: { request: Req }, callback: (error: unknown, response?: Res) => void) => void;
interface PolicyServer {
    makeAnalyzeRpcFun(
        pack: string,
        version: string,
        level: string,
        p: unknown,
    ): Handler<pb.AnalyzeRequest, pb.AnalyzeResponse>;
    makeAnalyzeStackRpcFun(
        pack: string,
        version: string,
        level: string,
        p: unknown,
    ): Handler<pb.AnalyzeStackRequest, pb.AnalyzeResponse>;
    makeRemediateRpcFun(
        pack: string,
        version: string,
        level: string,
        p: unknown,
    ): Handler<pb.AnalyzeRequest, pb.RemediateResponse>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require("@pulumi/policy/server") as PolicyServer;

const PACK = ["kms-audit", "0.1.0", "advisory", policies] as const;
const analyzeFn = server.makeAnalyzeRpcFun(...PACK);
const analyzeStackFn = server.makeAnalyzeStackRpcFun(...PACK);
const remediateFn = server.makeRemediateRpcFun(...PACK);

function call<Req, Res>(fn: Handler<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
        fn({ request }, (error, response) => (error ? reject(error) : resolve(response as Res))),
    );
}

export async function analyze(spec: ResourceSpec): Promise<Analysis> {
    return readAnalysis(await call(analyzeFn, analyzeRequest(spec)));
}

export async function analyzeStack(specs: ResourceSpec[]): Promise<Analysis> {
    return analyzeStackProto(analyzeStackRequest(specs));
}

/** For callers that build the request once (the benchmark times only the pack's side). */
export async function analyzeStackProto(request: pb.AnalyzeStackRequest): Promise<Analysis> {
    return readAnalysis(await call(analyzeStackFn, request));
}

export async function remediate(spec: ResourceSpec): Promise<Remediation[]> {
    return readRemediations(await call(remediateFn, analyzeRequest(spec)));
}
