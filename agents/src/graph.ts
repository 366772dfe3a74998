/**
 * The agency pipeline: eight nodes in a fixed sequence (STEP_NAMES). Export both the builder, so
 * callers and tests can compile with their own checkpointer, and the compiled graph.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { campaignComposer } from "./nodes/campaignComposer.ts";
import { explainerProducer } from "./nodes/explainerProducer.ts";
import { indicationOkrs } from "./nodes/indicationOkrs.ts";
import { intakeParser } from "./nodes/intakeParser.ts";
import { marketMapper } from "./nodes/marketMapper.ts";
import { productDocWriter } from "./nodes/productDocWriter.ts";
import { prototyper } from "./nodes/prototyper.ts";
import { wireframer } from "./nodes/wireframer.ts";
import { PipelineAnnotation } from "./state.ts";

export function buildPipeline() {
  return new StateGraph(PipelineAnnotation)
    .addNode("intake_parser", intakeParser)
    .addNode("market_mapper", marketMapper)
    .addNode("product_doc_writer", productDocWriter)
    .addNode("wireframer", wireframer)
    .addNode("prototyper", prototyper)
    .addNode("explainer_producer", explainerProducer)
    .addNode("campaign_composer", campaignComposer)
    .addNode("indication_okrs", indicationOkrs)
    .addEdge(START, "intake_parser")
    .addEdge("intake_parser", "market_mapper")
    .addEdge("market_mapper", "product_doc_writer")
    .addEdge("product_doc_writer", "wireframer")
    .addEdge("wireframer", "prototyper")
    .addEdge("prototyper", "explainer_producer")
    .addEdge("explainer_producer", "campaign_composer")
    .addEdge("campaign_composer", "indication_okrs")
    .addEdge("indication_okrs", END);
}

export const pipeline = buildPipeline().compile({ name: "agency_pipeline" });
