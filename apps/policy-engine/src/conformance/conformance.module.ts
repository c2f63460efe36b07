// The MCP conformance evaluator: its queue, the projection that fills it and the worker that runs it.
import { Module } from '@nestjs/common';
import { ConformanceEvaluator } from './conformance-evaluator.service';
import { ConformanceProjection } from './conformance.projection';
import { ConformanceRunRepository } from './conformance-run.repository';

@Module({
  providers: [ConformanceRunRepository, ConformanceEvaluator, ConformanceProjection],
})
export class ConformanceModule {}
